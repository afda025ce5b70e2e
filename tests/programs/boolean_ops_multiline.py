a = True
b = False
result = (
    a
    and not b
    or (
        a
        and b
    )
)
print(result)
