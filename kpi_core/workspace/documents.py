"""Saved objects (goals, annotations, budget scenarios, and those to come) as collections of JSON
documents in one workspace table.

The store knows tables, transactions and ids; it does not know what a goal is. Each analysis package
owns its model and describes how one is stored with a ``Collection``: the collection's name (the key
in the file, never renamed), how an object becomes JSON and back, and the sentences a user reads
when someone else changed it meanwhile. See ARCHITECTURE.md, "add a saved object".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable, Generic, Protocol, TypeVar


class Document(Protocol):
    """A saved object: a frozen dataclass whose ``id`` is None until the workspace gives it one."""

    @property
    def id(self) -> int | None: ...


D = TypeVar("D", bound=Document)


@dataclass(frozen=True)
class Collection(Generic[D]):
    name: str  # the collection's key in the workspace file: never renamed, or saved objects are lost
    noun: str  # what one is called in a sentence: "goal"
    encode: Callable[[D], dict[str, Any]]  # the JSON stored (without the id)
    decode: Callable[[dict[str, Any], int, datetime], D]  # back, with its id and when it was first saved
    # A name unique in the collection (case aside): saving an object under a taken one replaces that
    # object, instead of adding a second one. None: objects are told apart by id only.
    unique_name: Callable[[D], str] | None = None
    order: Callable[[D], Any] | None = None  # how a list is sorted; by id (age) otherwise
    saved_meanwhile: str = "Someone else saved this {noun} a moment ago; your version is below, save again to overwrite."
    deleted_meanwhile: str = (
        "Someone else deleted this {noun} a moment ago; your version is below, save again to keep it as a new {noun}."
    )
    changed_before_delete: str = (
        "Someone else saved this {noun} a moment ago, so it was not deleted; look at their version and delete it "
        "again if it should go."
    )
    missing: str = "There is no {noun} {id} in workspace '{workspace}'."

    def say(self, template: str, **values: object) -> str:
        return template.format(noun=self.noun, **values)
