def restarted():
    return "restarted"

print(restarted(), flush=True)
