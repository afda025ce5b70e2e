def outer():
    def used():
        return 1
    def unused():
        return 2
    class Local:
        def method(self):
            return 3
    return used()

print(outer())
