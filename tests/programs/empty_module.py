# nothing but a comment: the module's code is on line 0
