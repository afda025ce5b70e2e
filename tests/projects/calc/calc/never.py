def never_imported():
    return "this module is never imported"
