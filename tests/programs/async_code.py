import asyncio

async def fetch(n):
    await asyncio.sleep(0)
    return n * 2

async def gather_all():
    results = await asyncio.gather(*(fetch(i) for i in range(3)))
    async for item in agen():
        results.append(item)
    async with Ctx() as value:
        results.append(value)
    return results

async def agen():
    for i in range(2):
        yield i

class Ctx:
    async def __aenter__(self):
        return "entered"
    async def __aexit__(self, *exc):
        return False

print(asyncio.run(gather_all()))
