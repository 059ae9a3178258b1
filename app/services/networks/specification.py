"""What an analyst asks for, checked once: the network, its normalization, its duplicates rule."""

from dataclasses import dataclass

from app.services.errors import InvalidInput
from app.services.filter_values import parse_choice
from app.services.networks.model import (
    ONE_MODE_NORMALIZATIONS,
    TWO_MODE_NORMALIZATIONS,
    Mode,
    NetworkKind,
    Normalization,
    TwoModeWeight,
)
from app.services.networks.statements import Duplicates


@dataclass(frozen=True)
class NetworkSpec:
    """A network to compute. Build it with `network_spec`, which checks every choice."""

    kind: NetworkKind
    mode: Mode = Mode.actor
    normalization: Normalization = Normalization.no
    two_mode_weight: TwoModeWeight = TwoModeWeight.ignore
    duplicates: Duplicates = Duplicates.include


def network_spec(
    kind: str,
    *,
    mode: str = Mode.actor,
    normalization: str = Normalization.no,
    two_mode_weight: str = TwoModeWeight.ignore,
    duplicates: str = Duplicates.include,
) -> NetworkSpec:
    """The checked specification, or InvalidInput saying which choice makes no sense."""
    spec = NetworkSpec(
        kind=parse_choice(NetworkKind, kind, "network type"),
        mode=parse_choice(Mode, mode, "kind of node"),
        normalization=parse_choice(Normalization, normalization, "normalization"),
        two_mode_weight=parse_choice(TwoModeWeight, two_mode_weight, "two-mode weight"),
        duplicates=parse_choice(Duplicates, duplicates, "duplicates setting"),
    )
    allowed = (
        TWO_MODE_NORMALIZATIONS if spec.kind is NetworkKind.two_mode else ONE_MODE_NORMALIZATIONS
    )
    if spec.normalization not in allowed:
        choices = ", ".join(f'"{choice.value}"' for choice in allowed)
        raise InvalidInput(
            f'The normalization "{spec.normalization.value}" does not apply to a '
            f"{spec.kind.value} network: choose one of {choices}."
        )
    if spec.two_mode_weight is TwoModeWeight.combine and spec.normalization is not Normalization.no:
        raise InvalidInput(
            "Combined two-mode ties are codes (1 holds, 2 rejects, 3 both), not counts: "
            'they cannot be normalized; choose the normalization "no".'
        )
    return spec
