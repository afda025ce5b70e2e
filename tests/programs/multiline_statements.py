value = (
    1 +
    2 +
    3
)
text = """
a long
string
"""
call = dict(
    a=1,
    b=2,
)
if (value > 3 and
        call["a"] == 1):
    result = "yes"
else:
    result = "no"
x = 1; y = 2; z = 3
print(value, text, call, result, x, y, z)
