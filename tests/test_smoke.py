from cchc_lib.core.catalogue import load_catalogue


def test_catalogue_total_is_the_plans():
    cat = load_catalogue()
    assert len(cat.criteria) == 37
    assert float(cat.total_max) == 24.55
