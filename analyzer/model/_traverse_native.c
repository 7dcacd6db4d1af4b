/* The facts walk's traversal loop in C: the same contract as _traverse_python in
 * analyzer/model/_extract_walk.py, which stays the fallback and the model.
 *
 * Why C: the loop itself (pop an item, dispatch on its type, read each child field, test
 * each child, record a Name) was about 5% of a cold check's CPU in Python, a per-node cost
 * that holds no decision of its own. Every handler stays Python and is called as the
 * Python loop calls it, in the same order:
 *
 *   pop the last (node, scope, guard) of `stack` (the very list the handlers push onto
 *   through context.push, so their pushes are popped here, last in, first out);
 *   a Name: not Load -> its id is added to module_scope.names when scope.globals holds it,
 *   else to scope.names; Load -> to usage.loads; nothing else;
 *   otherwise handlers[type]: None -> the children are skipped, else the scope to descend
 *   with; then each field of child_fields[type] (filled by fill_fields(type) on a miss),
 *   read with getattr; a list's items last to first; per child: a Name as above, a
 *   Constant whose value is exactly a str -> usage.add_string(value), other Constants
 *   nothing, and a node (its type in node_types, or not in plain_types and an ast.AST)
 *   appended to the stack as (child, scope, guard).
 *
 * Gates (the optional last three arguments): `_traverse_gates.h`.
 *
 * Nothing is caught: an error of a handler, of add_string or of a getattr propagates, with
 * the stack holding what it held at that point, as in Python.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "_node_fields.h"

static PyObject *str_ctx, *str_id, *str_globals, *str_names, *str_value, *str_add,
    *str_module_scope, *str_usage, *str_loads, *str_add_string, *str_func, *str_attr,
    *str_imported, *str_local_imported, *str_strings;
static PyObject *name_type, *constant_type, *load_type, *call_type, *attribute_type;
static PyTypeObject *ast_base;

typedef struct {
    PyObject *stack;         /* borrowed: the list being popped */
    PyObject *context;       /* borrowed */
    PyObject *handlers;      /* borrowed: dict type -> handler */
    PyObject *child_fields;  /* borrowed: dict type -> tuple of field names */
    PyObject *fill_fields;   /* borrowed: callable(type) -> tuple, on a miss */
    PyObject *node_types;    /* borrowed: frozenset of node classes */
    PyObject *plain_types;   /* borrowed: frozenset of plain value types */
    PyObject *module_names;  /* strong: context.module_scope.names */
    PyObject *loads;         /* strong: usage.loads, or its bound add when not a set */
    int loads_is_set;
    PyObject *add_string;    /* strong: usage.add_string, bound once as in Python */
    unsigned int since_signals;
    PyObject *gated;         /* borrowed: dict type -> the handler its gate stands for, or NULL */
    PyObject *call_names;    /* borrowed: frozenset */
    PyObject *call_attrs;    /* borrowed: frozenset */
    PyObject *strings;       /* strong: usage.strings where add_string's gate applies, or NULL */
    Py_ssize_t max_string;
} Traversal;

#include "_traverse_gates.h"

/* `target.add(name)`: a set's add without the method call; 0 or -1. */
static int add_to(PyObject *target, PyObject *name)
{
    if (PySet_CheckExact(target))
        return PySet_Add(target, name);
    PyObject *result = PyObject_CallMethodOneArg(target, str_add, name);
    if (result == NULL)
        return -1;
    Py_DECREF(result);
    return 0;
}

/* A Name met in `scope`: the binding or the load it records; 0 or -1. */
static int record_name(Traversal *t, PyObject *node, PyObject *scope)
{
    PyObject *ctx = shoal_node_getattr(node, str_ctx);
    if (ctx == NULL)
        return -1;
    int is_load = (PyObject *)Py_TYPE(ctx) == load_type;
    Py_DECREF(ctx);
    PyObject *name = shoal_node_getattr(node, str_id);
    if (name == NULL)
        return -1;
    int status;
    if (is_load) {
        if (t->loads_is_set) {
            status = PySet_Add(t->loads, name);
        } else {
            PyObject *result = PyObject_CallOneArg(t->loads, name);
            status = result == NULL ? -1 : 0;
            Py_XDECREF(result);
        }
        Py_DECREF(name);
        return status;
    }
    PyObject *globals = PyObject_GetAttr(scope, str_globals);
    if (globals == NULL) {
        Py_DECREF(name);
        return -1;
    }
    int global = PySequence_Contains(globals, name);
    Py_DECREF(globals);
    if (global < 0) {
        status = -1;
    } else if (global) {
        status = add_to(t->module_names, name);
    } else {
        PyObject *names = PyObject_GetAttr(scope, str_names);
        status = names == NULL ? -1 : add_to(names, name);
        Py_XDECREF(names);
    }
    Py_DECREF(name);
    return status;
}

/* One child of a node being descended into with (scope, guard); 0 or -1. */
static int offer(Traversal *t, PyObject *child, PyObject *scope, PyObject *guard)
{
    PyObject *kind = (PyObject *)Py_TYPE(child);
    if (kind == name_type)
        return record_name(t, child, scope);
    if (kind == constant_type) {
        PyObject *value = shoal_node_getattr(child, str_value);
        if (value == NULL)
            return -1;
        int status = 0;
        if (PyUnicode_CheckExact(value)) {
            status = t->strings == NULL ? 0 : string_gate(t, value);
            if (status == 0) {
                PyObject *result = PyObject_CallOneArg(t->add_string, value);
                status = result == NULL ? -1 : 0;
                Py_XDECREF(result);
            } else if (status > 0) {
                status = 0;
            }
        }
        Py_DECREF(value);
        return status;
    }
    int walked = PySet_Contains(t->node_types, kind);
    if (walked == 0) {
        int plain = PySet_Contains(t->plain_types, kind);
        if (plain < 0)
            return -1;
        walked = !plain && PyObject_TypeCheck(child, ast_base);
    }
    if (walked <= 0)
        return walked;
    PyObject *item = PyTuple_Pack(3, child, scope, guard);
    if (item == NULL)
        return -1;
    int status = PyList_Append(t->stack, item);
    Py_DECREF(item);
    return status;
}

/* The child field names of `kind`, a new reference to a tuple; NULL on error. */
static PyObject *fields_of(Traversal *t, PyObject *kind)
{
    PyObject *fields = PyDict_GetItemWithError(t->child_fields, kind);
    if (fields != NULL) {
        Py_INCREF(fields);
    } else {
        if (PyErr_Occurred())
            return NULL;
        /* The first node of its type in this process: rare, so Python fills the table. */
        fields = PyObject_CallOneArg(t->fill_fields, kind);
        if (fields == NULL)
            return NULL;
    }
    if (PyTuple_CheckExact(fields))
        return fields;
    PyObject *as_tuple = PySequence_Tuple(fields);
    Py_DECREF(fields);
    return as_tuple;
}

/* The children of `node`, descended into with (scope, guard); 0 or -1. */
static int descend(Traversal *t, PyObject *node, PyObject *scope, PyObject *guard)
{
    PyObject *fields = fields_of(t, (PyObject *)Py_TYPE(node));
    if (fields == NULL)
        return -1;
    int status = 0;
    for (Py_ssize_t f = 0; status == 0 && f < PyTuple_GET_SIZE(fields); f++) {
        PyObject *value = shoal_node_getattr(node, PyTuple_GET_ITEM(fields, f));
        if (value == NULL) {
            status = -1;
            break;
        }
        if (PyList_CheckExact(value)) {
            /* reversed(value): re-check the size at each step, as list_reverseiterator does. */
            for (Py_ssize_t i = PyList_GET_SIZE(value) - 1; status == 0 && i >= 0; i--) {
                if (i >= PyList_GET_SIZE(value))
                    break;
                PyObject *child = PyList_GET_ITEM(value, i);
                Py_INCREF(child);
                status = offer(t, child, scope, guard);
                Py_DECREF(child);
            }
        } else {
            status = offer(t, value, scope, guard);
        }
        Py_DECREF(value);
    }
    Py_DECREF(fields);
    return status;
}

/* Pop the stack's last item into three new references; 0 or -1. */
static int pop(Traversal *t, PyObject **node, PyObject **scope, PyObject **guard)
{
    Py_ssize_t n = PyList_GET_SIZE(t->stack);
    PyObject *item = PyList_GET_ITEM(t->stack, n - 1);
    Py_INCREF(item);
    if (PyList_SetSlice(t->stack, n - 1, n, NULL) < 0) {
        Py_DECREF(item);
        return -1;
    }
    PyObject *tuple = item;
    if (!PyTuple_CheckExact(item)) {
        tuple = PySequence_Tuple(item);  /* node, scope, guard = item: any iterable */
        Py_DECREF(item);
        if (tuple == NULL)
            return -1;
    }
    if (PyTuple_GET_SIZE(tuple) != 3) {
        if (PyTuple_GET_SIZE(tuple) < 3)
            PyErr_Format(PyExc_ValueError, "not enough values to unpack (expected 3, got %zd)",
                         PyTuple_GET_SIZE(tuple));
        else
            PyErr_SetString(PyExc_ValueError, "too many values to unpack (expected 3)");
        Py_DECREF(tuple);
        return -1;
    }
    *node = Py_NewRef(PyTuple_GET_ITEM(tuple, 0));
    *scope = Py_NewRef(PyTuple_GET_ITEM(tuple, 1));
    *guard = Py_NewRef(PyTuple_GET_ITEM(tuple, 2));
    Py_DECREF(tuple);
    return 0;
}

/* One item of the stack: a Name recorded, or a handler called and the children pushed. */
static int step(Traversal *t)
{
    PyObject *node, *scope, *guard;
    if (pop(t, &node, &scope, &guard) < 0)
        return -1;
    int status = 0;
    PyObject *kind = (PyObject *)Py_TYPE(node);
    if (kind == name_type) {
        status = record_name(t, node, scope);
        goto done;
    }
    PyObject *handler = PyDict_GetItemWithError(t->handlers, kind);
    if (handler == NULL && PyErr_Occurred()) {
        status = -1;
        goto done;
    }
    int skip = handler == NULL ? 0 : gate(t, kind, handler, node);
    if (skip < 0) {
        status = -1;
        goto done;
    }
    if (handler != NULL && !skip) {
        PyObject *args[] = {t->context, node, scope, guard};
        Py_INCREF(handler);  /* the call may change the dict */
        PyObject *inner = PyObject_Vectorcall(handler, args, 4, NULL);
        Py_DECREF(handler);
        if (inner == NULL) {
            status = -1;
            goto done;
        }
        if (inner == Py_None) {
            Py_DECREF(inner);
            goto done;
        }
        Py_SETREF(scope, inner);
    }
    status = descend(t, node, scope, guard);
done:
    Py_DECREF(node);
    Py_DECREF(scope);
    Py_DECREF(guard);
    return status;
}

/* context.<first>.<second>, a new reference; NULL on error. */
static PyObject *attr_path(PyObject *obj, PyObject *first, PyObject *second)
{
    PyObject *middle = PyObject_GetAttr(obj, first);
    if (middle == NULL)
        return NULL;
    PyObject *result = PyObject_GetAttr(middle, second);
    Py_DECREF(middle);
    return result;
}

static PyObject *traverse(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 7 && nargs != 10) {
        PyErr_SetString(PyExc_TypeError,
                        "traverse(context, stack, handlers, child_fields, fill_fields, node_types, "
                        "plain_types[, gated, call_names, call_attrs]) takes 7 or 10 arguments");
        return NULL;
    }
    if (nargs == 10 && (!PyDict_CheckExact(args[7]) || !PyAnySet_CheckExact(args[8])
                        || !PyAnySet_CheckExact(args[9]))) {
        PyErr_SetString(PyExc_TypeError, "gated must be a dict, call_names and call_attrs sets");
        return NULL;
    }
    if (!PyList_CheckExact(args[1])) {
        PyErr_SetString(PyExc_TypeError, "stack must be a list");
        return NULL;
    }
    if (!PyDict_CheckExact(args[2]) || !PyDict_CheckExact(args[3])) {
        PyErr_SetString(PyExc_TypeError, "handlers and child_fields must be dicts");
        return NULL;
    }
    if (!PyAnySet_Check(args[5]) || !PyAnySet_Check(args[6])) {
        PyErr_SetString(PyExc_TypeError, "node_types and plain_types must be sets or frozensets");
        return NULL;
    }
    Traversal t = {args[1], args[0], args[2], args[3], args[4], args[5], args[6],
                   NULL, NULL, 0, NULL, 0, NULL, NULL, NULL, NULL, 0};
    if (nargs == 10) {
        t.gated = args[7];
        t.call_names = args[8];
        t.call_attrs = args[9];
    }
    PyObject *usage = NULL;
    int status = -1;
    /* Read once before the loop, in the Python loop's order. */
    t.module_names = attr_path(t.context, str_module_scope, str_names);
    if (t.module_names == NULL)
        goto out;
    usage = PyObject_GetAttr(t.context, str_usage);
    if (usage == NULL)
        goto out;
    t.loads = PyObject_GetAttr(usage, str_loads);
    if (t.loads == NULL)
        goto out;
    t.loads_is_set = PySet_CheckExact(t.loads);
    if (!t.loads_is_set) {
        Py_SETREF(t.loads, PyObject_GetAttr(t.loads, str_add));
        if (t.loads == NULL)
            goto out;
    }
    t.add_string = PyObject_GetAttr(usage, str_add_string);
    if (t.add_string == NULL)
        goto out;
    if (open_string_gate(&t, usage) < 0)
        goto out;
    status = 0;
    while (status == 0 && PyList_GET_SIZE(t.stack) > 0) {
        if (++t.since_signals >= 4096) {
            /* Stretches without a handler run no bytecode: let Ctrl-C and the stop flag in. */
            t.since_signals = 0;
            if (PyErr_CheckSignals() < 0) {
                status = -1;
                break;
            }
        }
        status = step(&t);
    }
out:
    Py_XDECREF(usage);
    Py_XDECREF(t.module_names);
    Py_XDECREF(t.loads);
    Py_XDECREF(t.add_string);
    Py_XDECREF(t.strings);
    if (status < 0)
        return NULL;
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"traverse", (PyCFunction)(void (*)(void))traverse, METH_FASTCALL,
     "traverse(context, stack, handlers, child_fields, fill_fields, node_types, plain_types): "
     "the facts walk's loop."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_traverse_native", "The facts walk's traversal loop in C.", -1,
    methods, NULL, NULL, NULL, NULL,
};

static int intern_all(void)
{
    struct { PyObject **slot; const char *text; } names[] = {
        {&str_ctx, "ctx"}, {&str_id, "id"}, {&str_globals, "globals"}, {&str_names, "names"},
        {&str_value, "value"}, {&str_add, "add"}, {&str_module_scope, "module_scope"},
        {&str_usage, "usage"}, {&str_loads, "loads"}, {&str_add_string, "add_string"},
        {&str_func, "func"}, {&str_attr, "attr"}, {&str_imported, "imported"},
        {&str_local_imported, "local_imported"}, {&str_strings, "strings"},
    };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (*names[i].slot == NULL && (*names[i].slot = PyUnicode_InternFromString(names[i].text)) == NULL)
            return -1;
    }
    return 0;
}

PyMODINIT_FUNC PyInit__traverse_native(void)
{
    if (intern_all() < 0)
        return NULL;
    if (ast_base == NULL) {
        PyObject *ast = PyImport_ImportModule("ast");
        if (ast == NULL)
            return NULL;
        /* Held for the process's life, as the ast module holds them. */
        name_type = PyObject_GetAttrString(ast, "Name");
        constant_type = PyObject_GetAttrString(ast, "Constant");
        load_type = PyObject_GetAttrString(ast, "Load");
        call_type = PyObject_GetAttrString(ast, "Call");
        attribute_type = PyObject_GetAttrString(ast, "Attribute");
        PyObject *base = PyObject_GetAttrString(ast, "AST");
        Py_DECREF(ast);
        if (name_type == NULL || constant_type == NULL || load_type == NULL || call_type == NULL
            || attribute_type == NULL || base == NULL || !PyType_Check(base)) {
            Py_XDECREF(base);
            Py_CLEAR(call_type);
            Py_CLEAR(attribute_type);
            Py_CLEAR(name_type);
            Py_CLEAR(constant_type);
            Py_CLEAR(load_type);
            if (!PyErr_Occurred())
                PyErr_SetString(PyExc_TypeError, "ast.AST is not a class");
            return NULL;
        }
        ast_base = (PyTypeObject *)base;
    }
    return PyModule_Create(&module);
}
