import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import helper_module

print(helper_module.helper(2))
