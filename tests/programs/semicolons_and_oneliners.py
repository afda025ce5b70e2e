def one(): return 1
class K: pass
if one(): x = 1
for i in range(2): y = i
while False: z = 1
print(x, y)
