import calc

LOADED_AT_CONFTEST = calc.add(1, 1)
