"""Loading the code lists (labour.codes) into the database: used by the data migration and by
`load_labour_codes`. Adds missing codes and corrects labels; never deletes a code observations may use."""


def sync_codes(code_model):
    from .codes import code_rows

    existing = {(c.dimension, c.code): c for c in code_model.objects.all()}
    added = changed = 0
    for dimension, code, label_en, label_ar, parent, position in code_rows():
        current = existing.get((dimension, code))
        wanted = {"label_en": label_en, "label_ar": label_ar, "parent": parent, "position": position}
        if current is None:
            code_model.objects.create(dimension=dimension, code=code, **wanted)
            added += 1
        elif any(getattr(current, name) != value for name, value in wanted.items()):
            for name, value in wanted.items():
                setattr(current, name, value)
            current.save()
            changed += 1
    return added, changed
