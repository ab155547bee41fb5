"""Registered customers of a store, shoppers' names, addresses and browsers."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime

from .geo import country_name


@dataclass
class Customer:
    id: int
    email: str
    first_name: str
    last_name: str
    phone: str
    country_code: str
    registration_ip_address: str
    date_created: datetime
    addresses: list[dict[str, object]] = field(default_factory=list)


FIRST_NAMES = [
    "Ana", "Ben", "Chloe", "David", "Emma", "Felix", "Grace", "Hiro", "Isabel", "Jonas", "Keiko", "Liam",
    "Maria", "Noah", "Olivia", "Pedro", "Quinn", "Rosa", "Sam", "Tomas", "Ursula", "Victor", "Wendy", "Yuki",
]
LAST_NAMES = [
    "Lee", "Smith", "Martin", "Müller", "Dubois", "Tanaka", "Silva", "Brown", "Schmidt", "Bernard", "Sato",
    "Santos", "Jones", "Fischer", "Moreau", "Suzuki", "Oliveira", "Taylor", "Wagner", "Laurent",
]
MAIL_DOMAINS = ["example.com", "mail.example", "inbox.example", "post.example", "buyer.example"]

# (street, city, state, state code, postal code) per country.
STREETS: dict[str, list[tuple[str, str, str, str, str]]] = {
    "US": [
        ("12 Elm St", "Austin", "Texas", "TX", "78701"),
        ("450 Market St", "San Francisco", "California", "CA", "94105"),
        ("88 Lake Shore Dr", "Chicago", "Illinois", "IL", "60611"),
    ],
    "GB": [("221B Baker Street", "London", "", "", "NW1 6XE"), ("5 Deansgate", "Manchester", "", "", "M3 2BW")],
    "DE": [("Hauptstraße 5", "Berlin", "Berlin", "BE", "10115"), ("Marienplatz 1", "München", "Bayern", "BY", "80331")],
    "FR": [("10 Rue de Rivoli", "Paris", "", "", "75001"), ("3 Quai Saint-Antoine", "Lyon", "", "", "69002")],
    "JP": [("1-1 Chiyoda", "Tokyo", "Tokyo", "13", "100-0001"), ("2-3 Umeda", "Osaka", "Osaka", "27", "530-0001")],
    "BR": [
        ("Avenida Paulista 1000", "São Paulo", "São Paulo", "SP", "01310-100"),
        ("Rua Ipanema 20", "Rio de Janeiro", "Rio de Janeiro", "RJ", "22420-000"),
    ],
}

USER_AGENTS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/18.1 Safari/605.1.15",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/18.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
    "Mozilla/5.0 (iPad; CPU OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.6 Mobile/15E148 Safari/604.1",
]


def checkout_address(
    first_name: str, last_name: str, email: str, country: str, street_index: int, phone: str = ""
) -> dict[str, object]:
    """An address in the Checkouts v3 input shape."""
    streets = STREETS.get(country) or STREETS["US"]
    street, city, state, state_code, postal = streets[street_index % len(streets)]
    return {
        "first_name": first_name,
        "last_name": last_name,
        "email": email,
        "company": "",
        "address1": street,
        "address2": "",
        "city": city,
        "state_or_province": state,
        "state_or_province_code": state_code,
        "country_code": country if country in STREETS else "US",
        "postal_code": postal,
        "phone": phone,
    }


def random_person(rng: random.Random, country: str) -> tuple[str, str, str]:
    """(first name, last name, email) of a made-up shopper."""
    first = rng.choice(FIRST_NAMES)
    last = rng.choice(LAST_NAMES)
    local = f"{first}.{last}".lower().replace("ü", "ue")
    email = f"{local}{rng.randrange(1, 9999)}@{rng.choice(MAIL_DOMAINS)}"
    return first, last, email


SEED_CUSTOMERS = [
    ("ana.lee@example.com", "Ana", "Lee", "US", "73.12.40.8"),
    ("ben.smith@example.com", "Ben", "Smith", "GB", "86.140.3.77"),
    ("jonas.mueller@example.com", "Jonas", "Müller", "DE", "84.150.9.21"),
    ("chloe.dubois@example.com", "Chloe", "Dubois", "FR", "90.20.11.5"),
    ("keiko.tanaka@example.com", "Keiko", "Tanaka", "JP", "126.40.2.99"),
    ("pedro.silva@example.com", "Pedro", "Silva", "BR", "177.2.14.60"),
    ("grace.brown@example.com", "Grace", "Brown", "US", "98.5.120.4"),
    ("felix.fischer@example.com", "Felix", "Fischer", "DE", "87.140.77.3"),
]


def seed_customers(created: datetime) -> dict[int, Customer]:
    customers: dict[int, Customer] = {}
    for index, (email, first, last, country, ip) in enumerate(SEED_CUSTOMERS):
        customer_id = index + 1
        phone = f"+1 555 01{index:02d}"
        address = checkout_address(first, last, email, country, index, phone)
        stored = {
            "id": customer_id * 10,
            "customer_id": customer_id,
            "first_name": first,
            "last_name": last,
            "company": "",
            "address1": address["address1"],
            "address2": "",
            "city": address["city"],
            "state_or_province": address["state_or_province"],
            "postal_code": address["postal_code"],
            "country": country_name(country),
            "country_code": country,
            "phone": phone,
            "address_type": "residential",
        }
        customers[customer_id] = Customer(
            id=customer_id,
            email=email,
            first_name=first,
            last_name=last,
            phone=phone,
            country_code=country,
            registration_ip_address=ip,
            date_created=created,
            addresses=[stored],
        )
    return customers
