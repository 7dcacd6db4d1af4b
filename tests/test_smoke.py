import heap_native


def test_native_module_builds():
    assert heap_native._lib.shoal_heap_version() == 1
