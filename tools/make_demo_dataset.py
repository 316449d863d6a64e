"""Generate modelpick's built-in demo sample, ``modelpick/data/builtin/demo_reviews.jsonl``.

The messages are written for modelpick (no existing dataset is copied): customer-support requests in
four classes (billing, technical, shipping, account), composed from hand-written templates and slot
vocabularies, with the noise real tickets have (lower case, missing punctuation, typos, greetings and
sign-offs). Some messages mention a second topic, and a few are genuinely ambiguous (the same wording
appears under two labels, as annotators disagree on it), so a good classifier is not 100% accurate.

Deterministic: the same seed always writes the same file. Run from the repository root::

    python tools/make_demo_dataset.py             # writes the jsonl
    python tools/make_demo_dataset.py --evaluate  # and prints a TF-IDF + LogisticRegression holdout
"""

from __future__ import annotations

import argparse
import json
import random
import re
from collections import Counter
from pathlib import Path

SEED = 20240917
OUT = Path(__file__).resolve().parents[1] / "modelpick" / "data" / "builtin" / "demo_reviews.jsonl"
TARGETS = {"billing": 130, "technical": 125, "shipping": 120, "account": 105}
# Share of each class's messages drawn from cross-topic and from ambiguous templates.
P_CROSS = 0.22
P_AMBIGUOUS = 0.12
# Chance of a topic detail sentence, and of each further neutral sentence.
P_DETAIL = 0.35
P_NEUTRAL = 0.35
MIN_WORDS, MAX_WORDS = 5, 60

SLOTS: dict[str, list[str]] = {
    "product": [
        "wireless earbuds", "standing desk", "coffee grinder", "phone case", "yoga mat", "laptop stand",
        "air fryer", "rain jacket", "desk lamp", "backpack", "smart watch", "blender", "running shoes",
        "office chair", "water bottle", "kettle", "monitor arm", "winter boots", "bluetooth speaker",
    ],
    "plan": ["Pro", "Premium", "Basic", "Family", "Team", "Business", "Starter", "Plus"],
    "period": ["month", "year", "billing cycle"],
    "payment": [
        "credit card", "debit card", "PayPal account", "Apple Pay", "Visa card", "Mastercard",
        "bank account", "company card",
    ],
    "date": [
        "yesterday", "last week", "on Monday", "on the 3rd", "two days ago", "this morning",
        "on March 12", "last month", "on Friday", "over the weekend", "a few days ago",
    ],
    "days": ["three", "five", "ten", "two", "six", "eight", "4", "7", "12"],
    "device": [
        "iPhone", "Android phone", "iPad", "Windows laptop", "MacBook", "Chromebook", "Pixel",
        "Samsung tablet", "work PC", "iPhone 13",
    ],
    "browser": ["Chrome", "Firefox", "Safari", "Edge", "Brave"],
    "error": [
        "500", "403", "ERR_CONNECTION_RESET", "E1043", "404", "ETIMEDOUT", "'Something went wrong'",
        "'Unexpected token'", "0x80070005", "502 Bad Gateway",
    ],
    "feature": [
        "the dashboard", "CSV export", "search", "notifications", "calendar sync", "dark mode",
        "file upload", "the reports page", "the chat widget", "the mobile app", "the barcode scanner",
        "photo upload", "the desktop app", "offline mode", "the editor",
    ],
    "carrier": ["UPS", "FedEx", "DHL", "USPS", "the courier", "Royal Mail", "the delivery driver", "Hermes"],
    "city": ["Denver", "Leeds", "Toronto", "Austin", "Lyon", "Melbourne", "Portland", "Dublin", "Graz"],
    "country": ["Canada", "Norway", "Australia", "Mexico", "Switzerland", "Japan", "Ireland"],
    "name": ["Maria", "Tom", "Priya", "Jonas", "Aiko", "Sam", "Lena", "Carlos", "Fatima", "Dave"],
    "colour": ["black", "blue", "grey", "green", "red", "white"],
}

# ---------------------------------------------------------------------------------------- core templates
CORE = {
    "billing": [
        "I was charged twice for my {plan} subscription {date}. Please refund the duplicate payment of {amount}.",
        "Why is my invoice {amount} higher than last month? I did not change my plan.",
        "Can I get a refund for the {plan} plan? I cancelled {date} but was still billed.",
        "My {payment} was declined but the money still left my account.",
        "Please send me a VAT invoice for my last payment, I need it for my accountant.",
        "How do I switch from monthly to annual billing, and do I get the discount?",
        "The promo code {code} didn't apply at checkout and I paid full price.",
        "There's a charge of {amount} on my statement that I don't recognise.",
        "I want to change the {payment} used for my subscription renewals.",
        "refund still not received, it has been {days} days since you approved it",
        "Your pricing page says {amount} but I was billed {amount2}.",
        "Do you offer a student discount on the {plan} plan?",
        "I was billed after my free trial even though I cancelled before it ended.",
        "Can I pay for the {product} in installments instead of all at once?",
        "Need a receipt for order {order} for my expense report.",
        "The tax on my bill looks wrong, we are a business customer with a VAT number.",
        "Why was I charged a late fee? The payment went through on time.",
        "Downgrade me to {plan} please, I can't afford the current price.",
        "I see a pending charge of {amount} that never dropped off my {payment}.",
        "I was charged in dollars instead of euros, who pays the conversion fee?",
        "Please cancel the auto-renewal, I don't want to be billed again next {period}.",
        "Where can I download all my past invoices?",
        "the credit you promised after my last complaint was never applied to my bill",
        "My gift card balance disappeared after I used part of it.",
        "Overcharged!! {amount} for the {plan} plan, the website says it costs less",
        "How come we were billed for 5 seats when our team only has 3 users?",
        "Can you refund the {amount} annual fee? I only used the service for a week.",
        "Is the price of the {plan} plan going up next {period}? I got an email about new pricing.",
        "My bank shows {amount} taken by you {date} with no explanation.",
        "I paid the invoice by bank transfer but it still shows as unpaid.",
    ],
    "technical": [
        "The app crashes every time I open {feature} on my {device}.",
        "I get error {error} when I try to save changes in {feature}.",
        "{feature} has been really slow since the last update, pages take forever to load.",
        "Sync between my {device} and the web version stopped working {date}.",
        "Notifications don't show up on my {device} even though they are enabled.",
        "The {browser} extension won't install, it just says the package is invalid.",
        "Your API returns {error} for every request since {date}, our integration is down.",
        "Uploading files larger than 10 MB fails halfway through.",
        "After updating to the latest version the screen goes blank on startup.",
        "Dark mode makes some text invisible in {feature}.",
        "The webhook stopped firing for new records, nothing shows up in the logs.",
        "Is there an outage? Nothing loads in {browser} or in the mobile app.",
        "CSV export produces an empty file",
        "Search returns no results even for entries I know exist.",
        "The {device} app freezes when I rotate the screen.",
        "Getting a certificate warning when I open your site in {browser}.",
        "Calendar sync duplicates every event three times.",
        "The page keeps spinning and never finishes loading in {browser}.",
        "Bug report: {feature} shows the wrong timezone for all entries.",
        "How do I clear the cache? The app still shows old data after I edited it.",
        "The barcode scanner won't focus with the camera on my {device}.",
        "Since {date} the chat widget on our site is broken, visitors can't send messages.",
        "the print layout cuts off the last column of every report",
        "The desktop app uses over 3 GB of memory and my laptop fans spin like crazy.",
        "Your latest update broke the Slack integration, messages stopped coming through.",
        "Images won't load in {feature}, just grey boxes.",
        "The {device} app shows {error} right after the splash screen.",
        "Keyboard shortcuts stopped working in {feature} on {browser}.",
        "Offline mode doesn't save anything, when I reconnect my edits are gone.",
        "Charts on the dashboard render as blank squares on my {device}.",
    ],
    "shipping": [
        "Where is my order {order}? Tracking hasn't updated in {days} days.",
        "My {product} arrived damaged, the box was completely crushed.",
        "The parcel says delivered but nothing was left at my door.",
        "Can I change the delivery address for order {order}? I moved to {city}.",
        "Do you ship to {country}, and how long does delivery take?",
        "{carrier} came while I was home and left a note saying nobody answered.",
        "I received someone else's package instead of my {product}.",
        "My order was supposed to arrive {date} and it's still not here.",
        "Only one of the two items was in the box, the {product} is missing.",
        "Can I pick the order up from a local store instead of having it delivered?",
        "The package is stuck in customs, what documents do you need from me?",
        "tracking number {tracking} doesn't work on the {carrier} website",
        "How do I return the {product}? I need a return label.",
        "Can you hold my delivery until next week? I'm travelling.",
        "The courier left my {product} out in the rain and it got soaked.",
        "Order {order} shows shipped but {carrier} says they never received it.",
        "Wrong item delivered, I ordered the {product} in {colour} and got a different colour.",
        "When will the {product} be back in stock and shipped out?",
        "The driver left my parcel with a neighbour I don't even know.",
        "My package was returned to sender, why did that happen?",
        "The estimated delivery date keeps moving back every day.",
        "Can you combine my two orders into one shipment?",
        "Box arrived open and the {product} inside is scratched.",
        "still waiting on my parcel to {city}, its been {days} days",
        "Please send the replacement {product} to my work address instead.",
        "{carrier} lost my package somewhere between the depot and {city}.",
        "The {product} was delivered to the wrong house, I can see it on the doorbell camera.",
        "Is express delivery available to {city} for the {product}?",
    ],
    "account": [
        "I forgot my password and the reset email never arrives.",
        "How do I change the email address on my account to {email}?",
        "Please delete my account and all my personal data.",
        "I'm locked out after too many login attempts.",
        "I lost my phone and can't get the two-factor code anymore.",
        "Can I change my username? I made a typo when I signed up.",
        "Someone logged into my account from {city}, I think I've been hacked.",
        "How do I add a second user to our team account?",
        "I have two accounts with different emails, can you merge them?",
        "The verification link in the sign-up email has expired.",
        "Please update the phone number on my profile.",
        "How can I download a copy of all the data you store about me?",
        "I want to turn off marketing emails but keep my account.",
        "Can't sign in with Google anymore, it says no account found.",
        "Transfer ownership of the workspace to my colleague {name}, I'm leaving the company.",
        "My account was suspended without any explanation.",
        "How do I change my display name and profile picture?",
        "We need to remove a former employee's access to our account.",
        "The security question answers I set up are not accepted.",
        "Reactivate my old account please, I closed it by mistake.",
        "I never signed up but I keep getting account emails from you.",
        "Where are the privacy settings to make my profile private?",
        "can u reset my login, it says email not recognised",
        "I need to change the account holder name after I got married.",
        "How do I set up two-factor authentication on my account?",
        "My username {user} is shown as taken but it's mine.",
    ],
}

# Messages that mention a second topic; a person still reads one main request, which is the label.
CROSS = {
    "billing": [
        "I closed my account {date} but you still charged my {payment} {amount}.",
        "The delivery fee on order {order} was charged twice.",
        "I paid for express shipping but the {product} came by standard post, refund the difference please.",
        "The app crashed during checkout and now I see two charges of {amount}.",
        "The refund for the damaged {product} hasn't reached my card yet.",
        "Since I renamed my company the invoices show the old name, please correct the billing details.",
        "Returned the {product} {date}, when does the {amount} come back to my {payment}?",
        "My login email changed, please send future invoices to {email}.",
    ],
    "technical": [
        "The checkout page throws {error} when I enter my card details.",
        "The password reset page gives a {error} error.",
        "Invoice PDF download shows a blank page in {browser}.",
        "The login button does nothing in {browser}, no error, nothing happens.",
        "Two-factor codes from the app are always rejected even though the clock on my {device} is right.",
        "The order tracking map in the app never loads on my {device}.",
        "The billing page of the dashboard shows {error} since {date}.",
        "The profile page crashes on my {device} when I upload a new photo.",
    ],
    "shipping": [
        "I was charged for delivery but order {order} never shipped.",
        "The {product} arrived but the packing slip inside is for someone else.",
        "I changed my address in my account settings but the order still went to the old one.",
        "The app says my order is delivered but {carrier} tracking says in transit.",
        "Shipping to {city} cost {amount}, that seems a lot for a small {product}.",
        "Can I get the {product} delivered faster if I pay extra?",
        "The {carrier} driver wanted {amount} cash on delivery for import duties, is that right?",
    ],
    "account": [
        "I can't log in to update my {payment} details.",
        "Please change the email on my account, invoices keep going to my old address.",
        "After the app update I can't sign in, it says my account doesn't exist.",
        "Close my account please, and confirm no more payments will be taken.",
        "My order history disappeared from my account.",
        "Add my colleague {name} as an admin so she can see the invoices too.",
        "The app keeps logging me out every few minutes on my {device}.",
        "Can I move my {plan} subscription to my other account?",
    ],
}

ALL = ("billing", "technical", "shipping", "account")
# Wording real annotators split on: each appears under every label listed (chosen at random).
AMBIGUOUS = [
    ("I can't log in to pay my overdue invoice.", ("billing", "account")),
    ("Charged for shipping on an order that never arrived.", ("billing", "shipping")),
    ("The app crashes when I try to change my password.", ("technical", "account")),
    ("The tracking link in the confirmation email gives a {error} error.", ("shipping", "technical")),
    ("Your website won't accept my card, it keeps saying error.", ("billing", "technical")),
    ("My account shows an order I didn't place and a charge for it.", ("account", "billing")),
    ("Need help with my order {order}, please call me back.", ("shipping", "billing")),
    ("I have a problem with my {plan} subscription, who can help?", ("billing", "account")),
    ("The app doesn't show my latest order or my payment.", ("technical", "billing", "shipping")),
    ("My {device} says my session expired every time I open my orders.", ("technical", "account")),
    ("Nothing works since {date}, I can't see my orders or my account.", ("technical", "account")),
    ("Please fix my order {order}, something went wrong.", ("shipping", "technical", "billing")),
    # Follow-ups that only make sense next to an earlier message.
    ("Any news on my request from {date}? Nobody has replied.", ALL),
    ("Still not fixed. I was told it would be sorted {date}.", ALL),
    ("Can someone from support call me back about my issue?", ALL),
    ("Following up on ticket {order}, the problem is still there.", ALL),
]

# Extra sentences that make a message longer: about its own topic, or about nothing in particular (some
# of those mention orders, plans or accounts in passing, as real messages do).
DETAILS = {
    "billing": [
        "I checked my bank statement twice.", "The amount was {amount}.", "I have the receipt if you need it.",
        "We are a small business and every charge matters.", "My {payment} ends in {last4}.",
        "This is the third invoice in a row with a problem.",
    ],
    "technical": [
        "I already tried restarting and reinstalling.", "It happens in {browser} and on my {device}.",
        "I'm on the latest version.", "Screenshot attached.", "Clearing the cache didn't help.",
        "It started after the last update.", "Other people in my team see the same thing.",
    ],
    "shipping": [
        "The tracking number is {tracking}.", "I've been home all day waiting.",
        "It was meant to be a birthday present.", "The {carrier} website just says in transit.",
        "I ordered it {date}.", "The box was left by the garage last time too.",
    ],
    "account": [
        "I've checked my spam folder.", "I still have access to my email.", "My username is {user}.",
        "I signed up with {email}.", "I'd rather not create a new account.",
        "I use the same login on my {device}.",
    ],
}
NEUTRAL = [
    "I've been a customer for three years and never had a problem before.",
    "I already wrote to you {date} and got no answer.", "My email is {email} if you need it.",
    "I'm on the {plan} plan if that matters.", "My order number is {order}.",
    "I need this sorted before the weekend.", "Your chatbot couldn't help me so I'm writing here.",
    "I'm on holiday from next week so a quick answer would be great.",
    "It's the second time this has happened.", "My colleague {name} had the same issue last month.",
    "I've attached what I could.", "Honestly I'm thinking about switching to another company.",
]

OPENERS = [
    "Hi,", "Hello,", "Hi there,", "Good morning,", "Hey team,", "Dear support,", "URGENT:",
    "Quick question:", "Hello support team,", "hi", "Hey,",
]
CLOSERS = [
    "Thanks.", "Thank you!", "Please help.", "Any update?", "Cheers", "This is really frustrating.",
    "Thanks in advance.", "I'd appreciate a quick reply.", "Second time I'm writing about this.",
    "Let me know what you need from me.", "thx", "Kind regards,", "Please advise.",
]
INFORMAL = [(r"\bplease\b", "pls"), (r"\byou\b", "u"), (r"\bthanks\b", "thx"), (r"\bbecause\b", "cuz")]


def _amount(rng: random.Random) -> str:
    value = rng.choice([4.99, 9.99, 12.5, 14.99, 19, 24.99, 29, 49.99, 59, 99, 119, 249])
    currency = rng.choice(["$", "$", "€", "£"])
    return f"{currency}{value:.2f}" if isinstance(value, float) else f"{currency}{value}"


def _fill(template: str, rng: random.Random) -> str:
    generated = {
        "amount": lambda: _amount(rng),
        "amount2": lambda: _amount(rng),
        "order": lambda: rng.choice(["#", "", "no. "]) + str(rng.randint(10000, 9999999)),
        "tracking": lambda: rng.choice(["1Z", "JD", "LX", ""]) + str(rng.randint(10**9, 10**10 - 1)),
        "code": lambda: rng.choice(["SPRING", "WELCOME", "SAVE", "VIP", "FALL"]) + str(rng.randint(5, 50)),
        "email": lambda: f"{rng.choice(SLOTS['name']).lower()}.{rng.randint(1, 99)}@example.com",
        "last4": lambda: f"{rng.randint(0, 9999):04d}",
        "user": lambda: f"{rng.choice(SLOTS['name']).lower()}_{rng.randint(1, 999)}",
    }

    def replace(match: re.Match) -> str:
        key = match.group(1)
        if key in generated:
            return generated[key]()
        return rng.choice(SLOTS[key])

    text = re.sub(r"\{(\w+)\}", replace, template)
    return text[0].upper() + text[1:] if template.startswith("{") else text


def _typo(text: str, rng: random.Random) -> str:
    words = text.split(" ")
    positions = [i for i, w in enumerate(words) if w.isalpha() and len(w) >= 5]
    if not positions:
        return text
    i = rng.choice(positions)
    w = words[i]
    j = rng.randint(1, len(w) - 3)
    if rng.random() < 0.5:
        w = w[:j] + w[j + 1] + w[j] + w[j + 2 :]  # swap two letters
    else:
        w = w[:j] + w[j + 1 :]  # drop a letter
    words[i] = w
    return " ".join(words)


def _elaborate(text: str, label: str | None, rng: random.Random) -> str:
    """Add 0-3 sentences about the same topic (``label``) or about nothing in particular."""
    extra = []
    if label is not None and rng.random() < P_DETAIL:
        extra.append(rng.choice(DETAILS[label]))
    while rng.random() < P_NEUTRAL and len(extra) < 3:
        extra.append(rng.choice(NEUTRAL))
    rng.shuffle(extra)
    for sentence in extra:
        text = f"{text} {_fill(sentence, rng)}" if rng.random() < 0.7 else f"{_fill(sentence, rng)} {text}"
    return text


def _noise(text: str, rng: random.Random) -> str:
    if rng.random() < 0.40:
        text = f"{rng.choice(OPENERS)} {text}"
    if rng.random() < 0.45:
        text = f"{text} {rng.choice(CLOSERS)}"
        if rng.random() < 0.2:
            text = f"{text} {rng.choice(SLOTS['name'])}"
    if rng.random() < 0.10:
        for pattern, short in INFORMAL:
            text = re.sub(pattern, short, text, flags=re.IGNORECASE)
    if rng.random() < 0.15:
        text = _typo(text, rng)
    if rng.random() < 0.15:
        text = text.lower()
    if rng.random() < 0.20:
        text = text.rstrip(".!")
    return text


def generate(seed: int = SEED) -> list[dict[str, str]]:
    """Every example, shuffled: {"text": ..., "label": ...}."""
    rng = random.Random(seed)
    seen: set[str] = set()
    rows: list[dict[str, str]] = []
    for label, target in TARGETS.items():
        ambiguous = [t for t, labels in AMBIGUOUS if label in labels]
        count, attempts = 0, 0
        while count < target:
            attempts += 1
            if attempts > 100 * target:
                raise RuntimeError(f"cannot make {target} distinct {label} examples")
            draw = rng.random()
            topic: str | None = label
            if draw < P_AMBIGUOUS:
                template, topic = rng.choice(ambiguous), None  # no detail that would give the label away
            elif draw < P_AMBIGUOUS + P_CROSS:
                template = rng.choice(CROSS[label])
            else:
                template = rng.choice(CORE[label])
            text = _noise(_elaborate(_fill(template, rng), topic, rng), rng)
            if text.lower() in seen or not MIN_WORDS <= len(text.split()) <= MAX_WORDS:
                continue
            seen.add(text.lower())
            rows.append({"text": text, "label": label})
            count += 1
    rng.shuffle(rows)
    return rows


def evaluate(rows: list[dict[str, str]]) -> None:
    """TF-IDF + logistic regression on stratified 75/25 holdouts, the way modelpick's baseline runs."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import train_test_split
    from sklearn.pipeline import make_pipeline

    texts = [r["text"] for r in rows]
    labels = [r["label"] for r in rows]
    scores = []
    for seed in range(5):
        x_tr, x_te, y_tr, y_te = train_test_split(
            texts, labels, test_size=0.25, stratify=labels, random_state=seed
        )
        model = make_pipeline(
            TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True), LogisticRegression(max_iter=2000)
        )
        model.fit(x_tr, y_tr)
        scores.append(model.score(x_te, y_te))
        print(f"holdout seed {seed}: accuracy {scores[-1]:.3f}")
    print(f"mean accuracy {sum(scores) / len(scores):.3f} (min {min(scores):.3f}, max {max(scores):.3f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--evaluate", action="store_true", help="print a TF-IDF + LogReg holdout accuracy")
    args = parser.parse_args()
    rows = generate(args.seed)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with open(args.out, "w", encoding="utf-8", newline="\n") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    lengths = [len(r["text"].split()) for r in rows]
    print(f"wrote {len(rows)} examples to {args.out}")
    print(f"classes: {dict(sorted(Counter(r['label'] for r in rows).items()))}")
    print(f"words per message: min {min(lengths)}, max {max(lengths)}, mean {sum(lengths) / len(lengths):.1f}")
    if args.evaluate:
        evaluate(rows)


if __name__ == "__main__":
    main()
