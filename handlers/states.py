from aiogram.fsm.state import State, StatesGroup


class StudioForm(StatesGroup):
    choosing = State()
    link = State()
