from calc.ops import add, divide
