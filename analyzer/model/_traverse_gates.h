/* The facts loop's gates, for `_traverse_native.c` (included there after the `Traversal`
 * struct and the interned names and ast classes it reads).
 *
 * The optional last three arguments of traverse are `gated`, a dict {ast.Call: handler,
 * ast.Attribute: handler}, and the frozensets `call_names` and `call_attrs`. Where the
 * handler found for a Call or an Attribute is the one `gated` names, a test here decides
 * whether it could record anything; where it could not, it is not called and the node is
 * descended into with its own scope, which is what that handler returns then. Why: most
 * calls and attribute chains start at a local or a builtin, and those handlers' Python calls
 * (1.9% of a one-process check's samples) decided nothing for them. The tests, which must
 * stay in step with `_call` and `_attribute` in _extract_walk.py, are conservative: anything
 * they do not recognise exactly calls the handler.
 *   Call: a callee that is an ast.Name (exactly) whose id is in neither `call_names` nor
 *   context.imported, or an ast.Attribute whose attr is not in `call_attrs` and whose chain
 *   (exact ast.Attribute values) does not end at a Name in context.imported, or a callee of
 *   any other type, is skipped.
 *   Attribute: skipped when context.imported and context.local_imported are both empty, or
 *   the chain ends at a Name in neither, or at a node that is neither a Name nor an
 *   Attribute.
 * And `gated[str]`, when present, is `(Usage.add_string, its length limit)`: where the
 * usage's bound `add_string` is that function and `usage.strings` an exact set, a str
 * constant that is empty or longer than the limit is dropped here, and one that is an
 * identifier added to `usage.strings`, as that method does; any other goes to the method.
 * Why: it is called for every str constant of the module (1.3% of the samples).
 */
#ifndef SHOAL_TRAVERSE_GATES_H
#define SHOAL_TRAVERSE_GATES_H

/* `name in s` for an exact set or frozenset: 1, 0, or -1; 2 when `s` is something else. */
static int in_set(PyObject *s, PyObject *name)
{
    if (!PyAnySet_CheckExact(s))
        return 2;
    return PySet_Contains(s, name);
}

/* The id of the Name that ends `node`'s chain of exact ast.Attribute values (`node` itself
 * may be the Name), as a new reference; NULL with no error when the chain ends at another
 * node: `*other` is then 1 when that node is a Name or an Attribute of a subclass (the
 * handler decides), 0 when it is neither. */
static PyObject *chain_root_id(PyObject *node, int *other)
{
    PyObject *value = Py_NewRef(node);
    while (Py_TYPE(value) == (PyTypeObject *)attribute_type) {
        PyObject *inner = shoal_node_getattr(value, str_value);
        Py_DECREF(value);
        if (inner == NULL)
            return NULL;
        value = inner;
    }
    PyObject *id = NULL;
    *other = 0;
    if (Py_TYPE(value) == (PyTypeObject *)name_type)
        id = shoal_node_getattr(value, str_id);
    else
        *other = PyObject_TypeCheck(value, (PyTypeObject *)name_type)
            || PyObject_TypeCheck(value, (PyTypeObject *)attribute_type);
    Py_DECREF(value);
    return id;
}

/* Is `id` in `a` or in `b` (b may be NULL)? 1, 0, -1, or 2 when a set is not exact. */
static int in_either(PyObject *id, PyObject *a, PyObject *b)
{
    int r = in_set(a, id);
    if (r != 0 || b == NULL)
        return r;
    return in_set(b, id);
}

/* The gate of `_attribute`: 1 skip, 0 call, -1 error. */
static int skip_attribute(Traversal *t, PyObject *node)
{
    PyObject *imported = PyObject_GetAttr(t->context, str_imported);
    if (imported == NULL)
        return -1;
    PyObject *local = PyObject_GetAttr(t->context, str_local_imported);
    if (local == NULL) {
        Py_DECREF(imported);
        return -1;
    }
    int r = 0;
    if (!PyAnySet_CheckExact(imported) || !PyAnySet_CheckExact(local)) {
        r = 0;
    } else if (PySet_GET_SIZE(imported) == 0 && PySet_GET_SIZE(local) == 0) {
        r = 1;
    } else {
        int other;
        PyObject *id = chain_root_id(node, &other);
        if (id == NULL) {
            r = PyErr_Occurred() ? -1 : !other;
        } else {
            int found = in_either(id, imported, local);
            Py_DECREF(id);
            r = found < 0 ? -1 : found == 0;
        }
    }
    Py_DECREF(imported);
    Py_DECREF(local);
    return r;
}

/* The gate of `_call`: 1 skip, 0 call, -1 error. */
static int skip_call(Traversal *t, PyObject *node)
{
    PyObject *func = shoal_node_getattr(node, str_func);
    if (func == NULL)
        return -1;
    PyTypeObject *kind = Py_TYPE(func);
    if (kind != (PyTypeObject *)name_type && kind != (PyTypeObject *)attribute_type) {
        Py_DECREF(func);
        return 1;  /* `_call` returns the scope for any other callee */
    }
    PyObject *imported = PyObject_GetAttr(t->context, str_imported);
    if (imported == NULL) {
        Py_DECREF(func);
        return -1;
    }
    int r = 0;
    if (kind == (PyTypeObject *)name_type) {
        PyObject *id = shoal_node_getattr(func, str_id);
        if (id == NULL) {
            r = -1;
        } else {
            int found = in_either(id, t->call_names, imported);
            Py_DECREF(id);
            r = found < 0 ? -1 : found == 0;
        }
    } else {
        PyObject *attr = shoal_node_getattr(func, str_attr);
        int found = attr == NULL ? -1 : in_set(t->call_attrs, attr);
        Py_XDECREF(attr);
        if (found != 0) {
            r = found < 0 ? -1 : 0;
        } else {
            /* `_call` follows `type(value) is ast.Attribute` and tests `type(value) is
             * ast.Name`: exact types, as chain_root_id follows them. */
            PyObject *value = shoal_node_getattr(func, str_value);
            int other = 0;
            PyObject *id = value == NULL ? NULL : chain_root_id(value, &other);
            Py_XDECREF(value);
            if (id == NULL) {
                r = PyErr_Occurred() ? -1 : 1;
            } else {
                int in = in_set(imported, id);
                Py_DECREF(id);
                r = in < 0 ? -1 : in == 0;
            }
        }
    }
    Py_DECREF(imported);
    Py_DECREF(func);
    return r;
}

/* Whether `handler`, found for `node` of type `kind`, may be skipped: 1, 0, or -1. */
static int gate(Traversal *t, PyObject *kind, PyObject *handler, PyObject *node)
{
    if (t->gated == NULL)
        return 0;
    PyObject *gated = PyDict_GetItemWithError(t->gated, kind);
    if (gated == NULL)
        return PyErr_Occurred() ? -1 : 0;
    if (gated != handler)
        return 0;
    if (kind == call_type)
        return skip_call(t, node);
    if (kind == attribute_type)
        return skip_attribute(t, node);
    return 0;
}

/* The str-constant gate, set up for one traversal: 0, or -1 with an exception set. */
static int open_string_gate(Traversal *t, PyObject *usage)
{
    if (t->gated == NULL)
        return 0;
    PyObject *entry = PyDict_GetItemWithError(t->gated, (PyObject *)&PyUnicode_Type);
    if (entry == NULL)
        return PyErr_Occurred() ? -1 : 0;
    if (!PyTuple_CheckExact(entry) || PyTuple_GET_SIZE(entry) != 2
            || !PyLong_CheckExact(PyTuple_GET_ITEM(entry, 1))) {
        PyErr_SetString(PyExc_TypeError, "gated[str] must be (function, int)");
        return -1;
    }
    Py_ssize_t limit = PyLong_AsSsize_t(PyTuple_GET_ITEM(entry, 1));
    if (limit == -1 && PyErr_Occurred())
        return -1;
    if (!PyMethod_Check(t->add_string)
            || PyMethod_GET_FUNCTION(t->add_string) != PyTuple_GET_ITEM(entry, 0)
            || PyMethod_GET_SELF(t->add_string) != usage)
        return 0;  /* a usage with its own add_string: every string goes to it */
    PyObject *strings = PyObject_GetAttr(usage, str_strings);
    if (strings == NULL)
        return -1;
    if (!PySet_CheckExact(strings)) {
        Py_DECREF(strings);
        return 0;
    }
    t->strings = strings;
    t->max_string = limit;
    return 0;
}

/* A str constant's gate: 1 handled here, 0 left to add_string, -1 error. */
static int string_gate(Traversal *t, PyObject *value)
{
    Py_ssize_t length = PyUnicode_GET_LENGTH(value);
    if (length == 0 || length > t->max_string)
        return 1;
    if (!PyUnicode_IsIdentifier(value))
        return 0;
    return PySet_Add(t->strings, value) < 0 ? -1 : 1;
}

#endif
