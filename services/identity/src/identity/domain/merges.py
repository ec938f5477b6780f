"""Rules of merging a duplicate account into the one that survives: which merges make sense, what the survivor keeps.

(What other services move when two learners merge is theirs to decide, on `account.merged`.)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .refusals import RuleConflict


@dataclass(frozen=True)
class MergePlan:
    profile: dict[str, Any]
    filled: tuple[str, ...] = ()
    conflicts: dict[str, dict[str, Any]] = field(default_factory=dict)
    boards_added: tuple[str, ...] = ()
    board_id_conflicts: dict[str, dict[str, str]] = field(default_factory=dict)

    def audit_detail(self) -> dict[str, Any]:
        return {
            "filled": list(self.filled),
            "conflicts": self.conflicts,
            "boards_added": list(self.boards_added),
            "board_id_conflicts": self.board_id_conflicts,
        }


def plan_merge(survivor: Mapping[str, Any], merged: Mapping[str, Any], fields: Sequence[str]) -> MergePlan:
    """The surviving account keeps what it has; what it lacks it takes from the merged one. Board IDs are combined,
    the survivor's winning where both have one for a board. Every difference that was not taken is reported."""
    profile = {name: survivor.get(name) for name in fields}
    filled: list[str] = []
    conflicts: dict[str, dict[str, Any]] = {}
    # The birth month and day go together: a day from one account and a month from the other would match nobody.
    groups = [
        ("birth_month", "birth_day") if name == "birth_month" else (name,)
        for name in fields
        if name not in ("board_ids", "birth_day")
    ]
    for group in groups:
        kept, offered = tuple(survivor.get(n) for n in group), tuple(merged.get(n) for n in group)
        if all(v is None for v in offered) or kept == offered:
            continue
        label = "birth_date" if len(group) > 1 else group[0]
        if all(v is None for v in kept):
            profile.update(zip(group, offered, strict=True))
            filled.append(label)
        else:
            conflicts[label] = {"kept": _show(kept), "dropped": _show(offered)}
    boards = dict(survivor.get("board_ids") or {})
    added, board_conflicts = [], {}
    for board, board_id in sorted((merged.get("board_ids") or {}).items()):
        if board not in boards:
            boards[board] = board_id
            added.append(board)
        elif boards[board] != board_id:
            board_conflicts[board] = {"kept": boards[board], "dropped": board_id}
    if "board_ids" in fields:
        profile["board_ids"] = boards
    return MergePlan(
        profile=profile,
        filled=tuple(filled),
        conflicts=conflicts,
        boards_added=tuple(added),
        board_id_conflicts=board_conflicts,
    )


def _show(values: tuple[Any, ...]) -> Any:
    return values[0] if len(values) == 1 else "/".join(str(v) for v in values)


def check_merge(
    *, surviving_id: object, merged_id: object, actor_id: object, survivor_disabled: bool, merged_disabled: bool
) -> None:
    if surviving_id == merged_id:
        raise RuleConflict("merged_user_id", "an account cannot be merged into itself")
    if survivor_disabled:
        raise RuleConflict("surviving_user_id", "the surviving account was itself merged away")
    if merged_disabled:
        raise RuleConflict("merged_user_id", "that account was already merged")
    if actor_id in (surviving_id, merged_id):
        raise RuleConflict("merged_user_id", "nobody merges their own accounts: ask another member of support")
