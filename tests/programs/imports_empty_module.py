import empty_module

print(empty_module.__name__)
