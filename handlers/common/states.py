from aiogram.fsm.state import State, StatesGroup


class StudioForm(StatesGroup):
    choosing = State()
    link = State()


class EditForm(StatesGroup):
    request = State()
    """Waiting for what to change in a post's picture (its post id in the data)."""


class AvatarForm(StatesGroup):
    choosing = State()
    trait = State()


class BroadcastForm(StatesGroup):
    confirming = State()


class SubscribeForm(StatesGroup):
    zone = State()
    """Waiting for a typed time zone."""


class ArtEditForm(StatesGroup):
    request = State()
    """Waiting for what to change in a Cosmic Coach image (its id in the data)."""
