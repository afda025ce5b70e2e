import sys

if sys.version_info >= (3, 0):
    import json as parser
else:
    import simplejson as parser

try:
    from collections import OrderedDict
except ImportError:
    OrderedDict = dict

print(parser.dumps(OrderedDict(a=1)))
