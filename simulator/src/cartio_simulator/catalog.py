"""The store's catalog: a few dozen physical products, some with Size/Color variants, a few with modifiers
(an engraving text field, a gift-wrap checkbox, a chain-length dropdown), required or optional."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class OptionValue:
    id: int
    label: str
    option_id: int
    option_display_name: str


@dataclass(frozen=True)
class Variant:
    id: int
    product_id: int
    sku: str
    price: Decimal | None  # None: the product's price applies
    inventory_level: int
    option_values: tuple[OptionValue, ...]


@dataclass(frozen=True)
class ModifierValue:
    id: int
    label: str


@dataclass(frozen=True)
class Modifier:
    """A choice that does not make a variant: BigCommerce's `text`, `checkbox` or `dropdown` modifier."""

    id: int
    display_name: str
    type: str  # "text", "checkbox" or "dropdown"
    required: bool
    values: tuple[ModifierValue, ...] = ()  # none for a text field
    max_length: int = 0  # text fields only

    def value(self, value_id: int) -> ModifierValue | None:
        return next((v for v in self.values if v.id == value_id), None)


@dataclass(frozen=True)
class Product:
    id: int
    name: str
    sku: str
    price: Decimal
    sale_price: Decimal  # 0: not on sale
    inventory_tracking: str  # "none", "product" or "variant"
    inventory_level: int
    variants: tuple[Variant, ...]
    brand: str
    category_id: int
    color: str  # thumbnail colour
    description: str
    modifiers: tuple[Modifier, ...] = ()

    @property
    def calculated_price(self) -> Decimal:
        return self.sale_price if self.sale_price > 0 else self.price

    @property
    def slug(self) -> str:
        return re.sub(r"[^a-z0-9]+", "-", self.name.lower()).strip("-")

    @property
    def has_options(self) -> bool:
        return any(v.option_values for v in self.variants)

    @property
    def option_ids(self) -> set[int]:
        """The ids of the variant options (Size, Color) this product's variants are made of."""
        return {v.option_id for variant in self.variants for v in variant.option_values}

    def modifier(self, option_id: int) -> Modifier | None:
        return next((m for m in self.modifiers if m.id == option_id), None)

    def variant(self, variant_id: int) -> Variant | None:
        return next((v for v in self.variants if v.id == variant_id), None)

    def variant_price(self, variant: Variant) -> Decimal:
        return variant.price if variant.price is not None else self.calculated_price

    def stock(self, variant: Variant) -> int | None:
        """Units on hand for this variant; None when stock is not tracked."""
        if self.inventory_tracking == "none":
            return None
        if self.inventory_tracking == "variant":
            return variant.inventory_level
        return self.inventory_level


SIZE_OPTION = 14
COLOR_OPTION = 15
SIZES = [OptionValue(50 + i, label, SIZE_OPTION, "Size") for i, label in enumerate(["S", "M", "L", "XL"])]
COLORS = [
    OptionValue(60 + i, label, COLOR_OPTION, "Color")
    for i, label in enumerate(["Black", "White", "Navy", "Red"])
]

# name, price, sale price, options ("" | "size" | "color" | "size+color"), category, brand, colour
_SPECS: list[tuple[str, str, str, str, int, str, str]] = [
    ("Blue Mug", "22.00", "0", "", 21, "Common Good", "#2f6db5"),
    ("Red Mug", "22.00", "19.50", "", 21, "Common Good", "#c0392b"),
    ("Travel Tumbler", "34.00", "0", "color", 21, "Common Good", "#7f8c8d"),
    ("Espresso Cup Set", "48.00", "0", "", 21, "Common Good", "#6d4c41"),
    ("Pour-Over Coffee Maker", "39.95", "0", "", 21, "Ofs Select", "#a1887f"),
    ("French Press", "54.00", "49.00", "", 21, "Ofs Select", "#5d4037"),
    ("Classic Tee", "25.00", "0", "size+color", 22, "Sagaform", "#34495e"),
    ("V-Neck Tee", "27.00", "0", "size", 22, "Sagaform", "#16a085"),
    ("Hooded Sweatshirt", "65.00", "55.00", "size+color", 22, "Sagaform", "#2c3e50"),
    ("Wool Beanie", "19.00", "0", "color", 22, "Sagaform", "#8e44ad"),
    ("Canvas Tote Bag", "18.00", "0", "", 23, "Common Good", "#d4ac0d"),
    ("Leather Weekender", "249.00", "0", "", 23, "Ofs Select", "#6e2c00"),
    ("Laptop Sleeve", "45.00", "0", "color", 23, "Ofs Select", "#1abc9c"),
    ("Rolltop Backpack", "120.00", "99.00", "color", 23, "Ofs Select", "#273746"),
    ("Dotted Notebook", "12.50", "0", "", 24, "Paper Co", "#f5b041"),
    ("Fountain Pen", "78.00", "0", "", 24, "Paper Co", "#154360"),
    ("Desk Organizer", "32.00", "0", "", 24, "Paper Co", "#a04000"),
    ("Wall Calendar", "16.00", "9.99", "", 24, "Paper Co", "#e74c3c"),
    ("Mountain Poster", "30.00", "0", "size", 25, "Artful", "#5499c7"),
    ("City Skyline Print", "42.00", "0", "size", 25, "Artful", "#85929e"),
    ("Ceramic Vase", "58.00", "0", "", 25, "Artful", "#d35400"),
    ("Scented Candle", "24.00", "0", "", 25, "Artful", "#f0b27a"),
    ("Linen Throw Pillow", "36.00", "0", "color", 25, "Artful", "#c39bd3"),
    ("Wool Blanket", "135.00", "0", "color", 25, "Artful", "#7b241c"),
    ("Chef Knife", "89.00", "0", "", 26, "Ofs Select", "#5f6a6a"),
    ("Cutting Board", "44.00", "0", "", 26, "Ofs Select", "#b9770e"),
    ("Cast Iron Skillet", "65.00", "0", "", 26, "Ofs Select", "#1c2833"),
    ("Salt and Pepper Mills", "38.00", "0", "", 26, "Ofs Select", "#717d7e"),
    ("Olive Oil Bottle", "21.00", "0", "", 26, "Common Good", "#7d8c1c"),
    ("Water Bottle", "29.00", "0", "color", 27, "Common Good", "#3498db"),
    ("Yoga Mat", "68.00", "0", "color", 27, "Common Good", "#48c9b0"),
    ("Running Socks", "14.00", "0", "size", 27, "Sagaform", "#ec7063"),
    ("Sunglasses", "95.00", "79.00", "", 27, "Sagaform", "#212f3c"),
    ("Bluetooth Speaker", "149.00", "0", "color", 28, "Orbit", "#17202a"),
    ("Wireless Earbuds", "179.00", "0", "", 28, "Orbit", "#566573"),
    ("Phone Stand", "15.00", "0", "", 28, "Orbit", "#abb2b9"),
    # With modifiers (MODIFIERS below); appended so that every earlier product and variant keeps its id.
    ("Personalised Wallet", "59.00", "0", "color", 23, "Ofs Select", "#784212"),
    ("Name Necklace", "79.00", "0", "", 27, "Artful", "#b7950b"),
    ("Monogram Coaster Set", "26.00", "0", "", 21, "Common Good", "#1f618d"),
]

ENGRAVING, GIFT_WRAP, CHAIN_LENGTH, NAME_TEXT, MONOGRAM = 120, 121, 122, 123, 124


def _gift_wrap(option_id: int) -> Modifier:
    # A checkbox modifier has two values, the checked one ("Yes") and the unchecked one ("No").
    return Modifier(option_id, "Gift wrap", "checkbox", False,
                    (ModifierValue(option_id * 10, "Yes"), ModifierValue(option_id * 10 + 1, "No")))


MODIFIERS: dict[str, tuple[Modifier, ...]] = {
    "Personalised Wallet": (
        Modifier(ENGRAVING, "Engraving", "text", True, max_length=30),
        _gift_wrap(GIFT_WRAP),
    ),
    "Name Necklace": (
        Modifier(NAME_TEXT, "Name", "text", True, max_length=12),
        Modifier(CHAIN_LENGTH, "Chain length", "dropdown", True, tuple(
            ModifierValue(CHAIN_LENGTH * 10 + i, label) for i, label in enumerate(['16"', '18"', '20"']))),
        _gift_wrap(125),
    ),
    "Monogram Coaster Set": (Modifier(MONOGRAM, "Monogram", "text", False, max_length=3),),
}

FIRST_PRODUCT_ID = 111
FIRST_VARIANT_ID = 301


def _build() -> dict[int, Product]:
    products: dict[int, Product] = {}
    variant_ids = itertools.count(FIRST_VARIANT_ID)
    for index, (name, price, sale, options, category, brand, color) in enumerate(_SPECS):
        product_id = FIRST_PRODUCT_ID + index
        sku = "".join(word[:3].upper() for word in name.split()[:3]) + f"-{product_id}"
        combos: list[tuple[OptionValue, ...]]
        if options == "size":
            combos = [(s,) for s in SIZES]
        elif options == "color":
            combos = [(c,) for c in COLORS[:3]]
        elif options == "size+color":
            combos = [(s, c) for s in SIZES[:3] for c in COLORS[:2]]
        else:
            combos = [()]
        variants: list[Variant] = []
        for combo_index, combo in enumerate(combos):
            suffix = "-".join(v.label[:3].upper() for v in combo)
            # Larger sizes cost a little more; everything else inherits the product price.
            extra = Decimal("3.00") if any(v.label == "XL" for v in combo) else None
            variants.append(
                Variant(
                    id=next(variant_ids),
                    product_id=product_id,
                    sku=f"{sku}-{suffix}" if suffix else sku,
                    price=(Decimal(price) + extra) if extra is not None else None,
                    inventory_level=10 + (product_id * 7 + combo_index * 13) % 90,
                    option_values=combo,
                )
            )
        tracking = "variant" if options else ("none" if index % 4 == 0 else "product")
        products[product_id] = Product(
            id=product_id,
            name=name,
            sku=sku,
            price=Decimal(price),
            sale_price=Decimal(sale),
            inventory_tracking=tracking,
            inventory_level=sum(v.inventory_level for v in variants) if tracking != "none" else 0,
            variants=tuple(variants),
            brand=brand,
            category_id=category,
            color=color,
            description=f"<p>{name} by {brand}.</p>",
            modifiers=MODIFIERS.get(name, ()),
        )
    return products


PRODUCTS: dict[int, Product] = _build()


def thumbnail_svg(product: Product) -> str:
    """A simple square picture: the product's colour and its name."""
    words = product.name.split()
    lines = [" ".join(words[i : i + 2]) for i in range(0, len(words), 2)]
    texts = "".join(
        f'<text x="100" y="{100 + (i - (len(lines) - 1) / 2) * 24:.0f}" font-size="20" '
        f'text-anchor="middle" fill="#fff" font-family="sans-serif">{_xml(line)}</text>'
        for i, line in enumerate(lines)
    )
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="200" height="200" viewBox="0 0 200 200">'
        f'<rect width="200" height="200" rx="16" fill="{product.color}"/>{texts}</svg>'
    )


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
