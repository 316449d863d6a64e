"""Hardware detection on this real machine."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from modelpick.exceptions import InvalidParameterError
from modelpick.hardware import (
    default_num_threads,
    detect_gpu,
    detect_hardware,
    library_versions,
    resolve_device,
    usable_cpus,
)
from modelpick.results import HardwareInfo


def test_detects_this_machine():
    info = detect_hardware()
    assert isinstance(info, HardwareInfo)
    assert 1 <= info.usable_cpus <= info.logical_cpus
    assert info.total_memory_mb > 0
    assert info.cpu_model and info.platform and info.python.split()[-1].count(".") == 2
    assert HardwareInfo.from_dict(info.to_dict()) == info


def test_usable_cpus_follow_the_affinity_mask():
    if hasattr(os, "sched_getaffinity"):
        assert usable_cpus() <= len(os.sched_getaffinity(0))
    assert default_num_threads() == usable_cpus() >= 1


def test_library_versions_come_from_metadata():
    versions = library_versions()
    for name in ("torch", "transformers", "scikit-learn", "numpy"):
        assert versions[name][0].isdigit()


def test_detect_hardware_does_not_import_torch():
    code = (
        "import sys\n"
        "from modelpick.hardware import detect_hardware\n"
        "info = detect_hardware()\n"
        "assert 'torch' not in sys.modules, 'torch imported'\n"
        "assert info.gpu_name is None and info.gpu_memory_mb is None\n"
        "assert 'torch' in info.library_versions\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


def test_detect_gpu_fills_gpu_fields_from_torch():
    import torch

    info = detect_gpu(detect_hardware())
    if torch.cuda.is_available():
        assert info.gpu_name and info.gpu_memory_mb > 0
    else:
        assert info.gpu_name is None and info.gpu_memory_mb is None
    assert detect_hardware().gpu_name == info.gpu_name  # torch is imported now, so it is read too


def test_resolve_device():
    import torch

    assert resolve_device("cpu") == "cpu"
    assert resolve_device(" CPU ") == "cpu"
    assert resolve_device("auto") == ("cuda" if torch.cuda.is_available() else "cpu")


@pytest.mark.skipif("not __import__('torch').cuda.is_available()")
@pytest.mark.gpu
def test_resolve_cuda_with_a_gpu():
    assert resolve_device("cuda") == "cuda"
    assert resolve_device("cuda:0") == "cuda:0"


def test_cuda_without_gpu_is_a_parameter_error():
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    with pytest.raises(InvalidParameterError, match="torch sees no CUDA GPU"):
        resolve_device("cuda", caller="recommend")
    with pytest.raises(InvalidParameterError, match="'device' parameter of recommend"):
        resolve_device("cuda:0", caller="recommend")


@pytest.mark.parametrize("name", ["gpu", "tpu", "", 3, None])
def test_unknown_device_is_a_parameter_error(name):
    with pytest.raises(InvalidParameterError, match="'device' parameter of resolve_device"):
        resolve_device(name)
