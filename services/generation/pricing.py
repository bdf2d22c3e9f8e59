"""What a generation cost us and what an action costs a partner, from the models table (a
data file: no prices live in code)."""

from __future__ import annotations

import logging
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

logger = logging.getLogger(__name__)

DEFAULT_PRICES_FILE = Path(__file__).with_name("models.toml")
PER_MILLION = 1_000_000
MOST_TOKENS = 1000


@dataclass(frozen=True, slots=True)
class ModelPrice:
    id: str
    provider: str
    kind: str
    price_date: str
    input_per_1m: float | None = None
    output_per_1m: float | None = None
    per_image: dict[str, float] = field(default_factory=dict)


class PriceList:
    """Looks up prices by model id; an unknown model costs 0 and is logged once."""

    def __init__(self, prices: dict[str, ModelPrice]) -> None:
        self._prices = prices
        self._warned: set[str] = set()

    @classmethod
    def load(cls, path: Path = DEFAULT_PRICES_FILE) -> PriceList:
        with path.open("rb") as file:
            data = tomllib.load(file)
        prices = {}
        for row in data.get("model", []):
            price = ModelPrice(
                id=row["id"],
                provider=row["provider"],
                kind=row["kind"],
                price_date=str(row["price_date"]),
                input_per_1m=row.get("input_per_1m"),
                output_per_1m=row.get("output_per_1m"),
                per_image=dict(row.get("per_image", {})),
            )
            prices[price.id] = price
        return cls(prices)

    def __contains__(self, model: str) -> bool:
        return model in self._prices

    def text_cost(self, model: str, input_tokens: int | None, output_tokens: int | None) -> float:
        price = self._lookup(model)
        if price is None:
            return 0.0
        return _token_cost(price, input_tokens, output_tokens) or 0.0

    def image_cost(
        self,
        model: str,
        quality: str,
        input_tokens: int | None = None,
        output_tokens: int | None = None,
    ) -> float:
        """Token-billed when the model has token prices and the provider reported usage;
        otherwise the per-image price for `quality`."""
        price = self._lookup(model)
        if price is None:
            return 0.0
        if output_tokens:
            by_tokens = _token_cost(price, input_tokens, output_tokens)
            if by_tokens is not None:
                return by_tokens
        return price.per_image.get(quality, max(price.per_image.values(), default=0.0))

    def _lookup(self, model: str) -> ModelPrice | None:
        price = self._prices.get(model)
        if price is None and model not in self._warned:
            self._warned.add(model)
            logger.warning("no price for model %r: its calls are recorded as free", model)
        return price


@dataclass(frozen=True, slots=True)
class TokenPrices:
    """The models table's `[tokens]`: what each studio action costs a partner."""

    post: int
    rewrite: int
    variant: int
    """Each of the "more pictures"."""
    edit: int
    four_k: int
    """0: free."""

    @classmethod
    def load(cls, path: Path = DEFAULT_PRICES_FILE) -> TokenPrices:
        """Raises ValueError naming what is missing or out of range."""
        with path.open("rb") as file:
            table = tomllib.load(file).get("tokens")
        if not isinstance(table, dict):
            msg = f"{path} has no [tokens] table (what each studio action costs)"
            raise ValueError(msg)
        names = set(cls.__dataclass_fields__)
        if missing := sorted(names - table.keys()):
            msg = f"[tokens] in {path} lacks {', '.join(missing)}"
            raise ValueError(msg)
        if unknown := sorted(table.keys() - names):
            msg = f"[tokens] in {path} has unknown actions: {', '.join(unknown)}"
            raise ValueError(msg)
        for name, value in table.items():
            least = 0 if name == "four_k" else 1
            if type(value) is not int or not least <= value <= MOST_TOKENS:
                msg = f"[tokens] {name} in {path}: expected {least} to {MOST_TOKENS}"
                raise ValueError(msg)
        return cls(**table)


def _token_cost(
    price: ModelPrice, input_tokens: int | None, output_tokens: int | None
) -> float | None:
    if price.input_per_1m is None or price.output_per_1m is None:
        return None
    spent = (input_tokens or 0) * price.input_per_1m + (output_tokens or 0) * price.output_per_1m
    return round(spent / PER_MILLION, 6)
