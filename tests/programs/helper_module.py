def helper(x):
    return x * 10

def unused_helper():
    return None
