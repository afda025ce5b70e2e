def register(cls):
    cls.registered = True
    return cls

@register
class Service:
    count = 0

    @classmethod
    def create(cls):
        cls.count += 1
        return cls()

    @classmethod
    def unused(cls):
        return None

Service.create()
print(Service.registered, Service.count)
