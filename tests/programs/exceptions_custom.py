class AppError(Exception):
    def __init__(self, code):
        super().__init__(f"code {code}")
        self.code = code

def check(value):
    if value < 0:
        raise AppError(value)
    return value

try:
    check(-1)
except AppError as err:
    code = err.code
try:
    raise AppError(1) from ValueError("x")
except AppError:
    chained = True
print(code, chained)
