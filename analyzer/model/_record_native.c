/* The facts records' construction and pickling in C: the base type `RecordBase` of
 * analyzer.model._facts' slotted records.
 *
 * Why C: facts cross the heap by the hundred thousand (every call, attribute chain, import
 * and export of every module), and a frozen dataclass builds each one with a Python
 * `object.__setattr__` call per field: its `__init__` was 3.3% of a one-process check's
 * samples (py-spy, the stdlib), mostly unpickling; its `__reduce__` 0.5% more. Here a
 * registered class's instance is filled by writing its slots directly.
 *
 * The contract, for a class registered with register(cls, names, defaults, missing):
 *   cls(*args, **kwargs) binds arguments to `names` as the dataclass `__init__` would
 *   (positionally in order, then by keyword, then each absent one from `defaults`, where
 *   `missing` marks a required field); any call it cannot bind that way (an unknown or
 *   repeated keyword, too many arguments, a required field absent) goes to the class's
 *   `_dataclass_init`, the generated `__init__` kept aside, which raises its own error;
 *   obj.__reduce__() is (type(obj), the field values in `names` order), as
 *   analyzer.model._facts._Record.__reduce__ returns them.
 * An unregistered subclass is constructed by `_dataclass_init` (found on its class) and
 * reduced through `__match_args__` and getattr.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "_slot_offset.h"

/* Per registered class: its field names, defaults (NULL where required) and slot offsets. */
typedef struct {
    PyObject_HEAD
    Py_ssize_t count;
    PyObject *names;          /* tuple of str */
    PyObject **defaults;      /* count borrowed-from-`held` defaults, NULL if required */
    Py_ssize_t *offsets;      /* count slot offsets */
    PyObject *held;           /* the defaults tuple, owning them */
} Layout;

static void layout_dealloc(Layout *self)
{
    Py_XDECREF(self->names);
    Py_XDECREF(self->held);
    PyMem_Free(self->defaults);
    PyMem_Free(self->offsets);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyTypeObject LayoutType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "analyzer.model._record_native.Layout",
    .tp_basicsize = sizeof(Layout),
    .tp_dealloc = (destructor)layout_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "A registered record class's fields, defaults and slot offsets.",
};

/* registered class -> Layout; held for the process's life, as the classes are */
static PyObject *layouts;
static PyObject *str_dataclass_init, *str_match_args;

static Layout *layout_of(PyTypeObject *type)
{
    PyObject *found = PyDict_GetItemWithError(layouts, (PyObject *)type);
    return (Layout *)found;  /* borrowed; NULL without an error when unregistered */
}

/* The slot of `self` at `offset`: a strong reference replaces what it held. */
static inline void set_slot(PyObject *self, Py_ssize_t offset, PyObject *value)
{
    PyObject **slot = (PyObject **)((char *)self + offset);
    PyObject *old = *slot;
    Py_INCREF(value);
    *slot = value;
    Py_XDECREF(old);
}

/* The generated __init__, kept on the class as `_dataclass_init`: for what C does not bind. */
static int python_init(PyObject *self, PyObject *args, PyObject *kwargs)
{
    PyObject *init = PyObject_GetAttr(self, str_dataclass_init);  /* bound to self */
    if (init == NULL)
        return -1;
    PyObject *result = PyObject_Call(init, args, kwargs);
    Py_DECREF(init);
    if (result == NULL)
        return -1;
    Py_DECREF(result);
    return 0;
}

static Py_ssize_t field_index(Layout *layout, PyObject *key)
{
    for (Py_ssize_t i = 0; i < layout->count; i++)
        if (PyTuple_GET_ITEM(layout->names, i) == key)
            return i;
    for (Py_ssize_t i = 0; i < layout->count; i++) {
        int equal = PyUnicode_Check(key) ? PyUnicode_Compare(PyTuple_GET_ITEM(layout->names, i), key) == 0 : 0;
        if (equal)
            return i;
    }
    return -1;
}

static int record_init(PyObject *self, PyObject *args, PyObject *kwargs)
{
    Layout *layout = layout_of(Py_TYPE(self));
    if (layout == NULL) {
        if (PyErr_Occurred())
            return -1;
        return python_init(self, args, kwargs);
    }
    Py_ssize_t count = layout->count, given = PyTuple_GET_SIZE(args);
    if (given > count)
        return python_init(self, args, kwargs);
    PyObject *stack[32];
    PyObject **values = stack;
    if (count > 32) {
        values = PyMem_Calloc((size_t)count, sizeof(PyObject *));
        if (values == NULL) {
            PyErr_NoMemory();
            return -1;
        }
    } else {
        memset(stack, 0, sizeof(stack));
    }
    int bound = 1;
    for (Py_ssize_t i = 0; i < given; i++)
        values[i] = PyTuple_GET_ITEM(args, i);
    if (kwargs != NULL) {
        PyObject *key, *value;
        Py_ssize_t pos = 0;
        while (bound && PyDict_Next(kwargs, &pos, &key, &value)) {
            Py_ssize_t index = field_index(layout, key);
            if (index < 0 || values[index] != NULL)
                bound = 0;
            else
                values[index] = value;
        }
    }
    for (Py_ssize_t i = 0; bound && i < count; i++) {
        if (values[i] == NULL && (values[i] = layout->defaults[i]) == NULL)
            bound = 0;
    }
    if (bound) {
        for (Py_ssize_t i = 0; i < count; i++)
            set_slot(self, layout->offsets[i], values[i]);
    }
    if (values != stack)
        PyMem_Free(values);
    return bound ? 0 : python_init(self, args, kwargs);
}

static PyObject *record_reduce(PyObject *self, PyObject *Py_UNUSED(ignored))
{
    PyTypeObject *type = Py_TYPE(self);
    Layout *layout = layout_of(type);
    PyObject *values;
    if (layout != NULL) {
        values = PyTuple_New(layout->count);
        if (values == NULL)
            return NULL;
        for (Py_ssize_t i = 0; i < layout->count; i++) {
            PyObject *value = *(PyObject **)((char *)self + layout->offsets[i]);
            if (value == NULL) {
                Py_DECREF(values);
                PyErr_Format(PyExc_AttributeError, "%s has no value for %R", type->tp_name,
                             PyTuple_GET_ITEM(layout->names, i));
                return NULL;
            }
            Py_INCREF(value);
            PyTuple_SET_ITEM(values, i, value);
        }
    } else {
        if (PyErr_Occurred())
            return NULL;
        PyObject *names = PyObject_GetAttr((PyObject *)type, str_match_args);
        if (names == NULL)
            return NULL;
        PyObject *seq = PySequence_Tuple(names);
        Py_DECREF(names);
        if (seq == NULL)
            return NULL;
        values = PyTuple_New(PyTuple_GET_SIZE(seq));
        for (Py_ssize_t i = 0; values != NULL && i < PyTuple_GET_SIZE(seq); i++) {
            PyObject *value = PyObject_GetAttr(self, PyTuple_GET_ITEM(seq, i));
            if (value == NULL)
                Py_CLEAR(values);
            else
                PyTuple_SET_ITEM(values, i, value);
        }
        Py_DECREF(seq);
        if (values == NULL)
            return NULL;
    }
    return Py_BuildValue("(ON)", (PyObject *)type, values);
}

static PyMethodDef record_methods[] = {
    {"__reduce__", (PyCFunction)record_reduce, METH_NOARGS,
     "(type, field values): unpickled by calling the class with them."},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject RecordBaseType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "analyzer.model._record_native.RecordBase",
    .tp_basicsize = sizeof(PyObject),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
    .tp_doc = "Base of the facts records: fields bound and pickled in C once registered.",
    .tp_methods = record_methods,
    .tp_init = record_init,
};

/* register(cls, names, defaults, missing): cls's fields, their defaults (`missing` where
 * required), read into a Layout; each name must be a slot (T_OBJECT_EX member) of cls. */
static PyObject *register_record(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 4) {
        PyErr_SetString(PyExc_TypeError, "register(cls, names, defaults, missing)");
        return NULL;
    }
    PyObject *cls = args[0], *names = args[1], *defaults = args[2], *missing = args[3];
    if (!PyType_Check(cls) || !PyType_IsSubtype((PyTypeObject *)cls, &RecordBaseType)
            || !PyTuple_CheckExact(names) || !PyTuple_CheckExact(defaults)
            || PyTuple_GET_SIZE(names) != PyTuple_GET_SIZE(defaults)) {
        PyErr_SetString(PyExc_TypeError,
                        "register() needs a RecordBase subclass and two tuples of one length");
        return NULL;
    }
    Py_ssize_t count = PyTuple_GET_SIZE(names);
    Layout *layout = PyObject_New(Layout, &LayoutType);
    if (layout == NULL)
        return NULL;
    layout->count = count;
    layout->names = Py_NewRef(names);
    layout->held = Py_NewRef(defaults);
    layout->defaults = PyMem_Calloc((size_t)(count ? count : 1), sizeof(PyObject *));
    layout->offsets = PyMem_Calloc((size_t)(count ? count : 1), sizeof(Py_ssize_t));
    if (layout->defaults == NULL || layout->offsets == NULL) {
        Py_DECREF(layout);
        return PyErr_NoMemory();
    }
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *name = PyTuple_GET_ITEM(names, i);
        if (!PyUnicode_Check(name)) {
            Py_DECREF(layout);
            PyErr_SetString(PyExc_TypeError, "field names must be str");
            return NULL;
        }
        if (shoal_slot_offset(cls, name, &layout->offsets[i]) < 0) {
            Py_DECREF(layout);
            return NULL;
        }
        PyObject *fallback = PyTuple_GET_ITEM(defaults, i);
        layout->defaults[i] = fallback == missing ? NULL : fallback;
    }
    int failed = PyDict_SetItem(layouts, cls, (PyObject *)layout);
    Py_DECREF(layout);
    if (failed)
        return NULL;
    Py_RETURN_NONE;
}

static PyMethodDef module_methods[] = {
    {"register", (PyCFunction)(void (*)(void))register_record, METH_FASTCALL,
     "register(cls, names, defaults, missing): bind and pickle cls's instances in C."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_record_native", "The facts records' construction and pickling in C.",
    -1, module_methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__record_native(void)
{
    if (str_dataclass_init == NULL) {
        str_dataclass_init = PyUnicode_InternFromString("_dataclass_init");
        str_match_args = PyUnicode_InternFromString("__match_args__");
        layouts = PyDict_New();
        if (str_dataclass_init == NULL || str_match_args == NULL || layouts == NULL)
            return NULL;
    }
    /* object's own: object.__new__(cls) stays allowed on subclasses (ModuleFacts' unpickling). */
    RecordBaseType.tp_new = PyBaseObject_Type.tp_new;
    if (PyType_Ready(&LayoutType) < 0 || PyType_Ready(&RecordBaseType) < 0)
        return NULL;
    PyObject *m = PyModule_Create(&module);
    if (m == NULL)
        return NULL;
    Py_INCREF(&RecordBaseType);
    if (PyModule_AddObject(m, "RecordBase", (PyObject *)&RecordBaseType) < 0) {
        Py_DECREF(&RecordBaseType);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
