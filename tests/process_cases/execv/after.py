def after():
    return "after exec"

print(after())
