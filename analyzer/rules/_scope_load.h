/* A name read of the scope analysis, resolved in C when it is plain: the part of
 * `_ScopeState._load` (pyflakes' handleNodeLoad) that most reads take, for `_scope_native.c`.
 *
 * Why: every ast.Name read called `_load` in Python, whose own frame was the scope analysis'
 * largest self cost (3.3% of a one-process check's samples, py-spy). Most reads find a
 * builtin, or a binding that is neither an annotation nor an aliased import, in the first
 * scopes they look in.
 *
 * The contract: `fast_load` first looks the name up without changing anything, walking the
 * scope stack as `_load` does (a class scope only where `_load` reads one). When the lookup
 * ends in one of the two plain outcomes it applies `_load`'s effects itself (a builtin: the
 * `used_builtins` entry; a binding: `use` and `used`) and returns 1. Anything else
 * (nothing found, a star import on the way, an annotation binding, an import bound under
 * another name, `__class__` in a class scope, an object of an unexpected type or an unset
 * slot) returns 0 having changed nothing, and the caller calls `_load` in Python, which
 * does the whole read again. It is only used while `configure()` has been called and the
 * analyzer's class still resolves `_load` to the configured function: a subclass that
 * overrides `_load` (the tests' logging analyzers) gets its own method for every read.
 */
#ifndef SHOAL_SCOPE_LOAD_H
#define SHOAL_SCOPE_LOAD_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "_slot_offset.h"

static struct {
    PyTypeObject *scope_type, *binding_type;  /* _Scope, _B */
    PyObject *builtin;                        /* the _BUILTIN marker */
    PyObject *load;                           /* _ScopeState._load, the function */
    PyObject *s_stack, *s_used_builtins, *s_class, *s_ann;
    long class_kind, comp_kind, annotation_kind, future_kind;
    Py_ssize_t scope_kind, scope_bindings, scope_index;
    Py_ssize_t b_kind, b_use, b_used, b_full_name;
} fl;

#define FL_SLOT(obj, offset) (*(PyObject **)((char *)(obj) + (offset)))

/* A slot holding an exact int, as a C long in `*out`: 1, or 0 when it is not one. */
static inline int fl_small_int(PyObject *obj, Py_ssize_t offset, long *out)
{
    PyObject *value = FL_SLOT(obj, offset);
    if (value == NULL || !PyLong_CheckExact(value))
        return 0;
    int overflow;
    *out = PyLong_AsLongAndOverflow(value, &overflow);
    return !overflow && !(*out == -1 && PyErr_Occurred());
}

/* Does the import binding's `full_name` end in `name` (`full_name.split(".")[-1] == name`)? */
static int fl_unaliased(PyObject *full, PyObject *name)
{
    if (full == NULL || !PyUnicode_CheckExact(full))
        return 0;
    Py_ssize_t n = PyUnicode_GET_LENGTH(name), m = PyUnicode_GET_LENGTH(full);
    if (m < n || (m > n && PyUnicode_READ_CHAR(full, m - n - 1) != '.'))
        return 0;
    Py_ssize_t r = PyUnicode_Tailmatch(full, name, m - n, m, 1);
    if (r < 0)
        PyErr_Clear();
    return r == 1;
}

/* 1 when the module scope of `stack` binds `name` and `self` reads in an annotation (`ann`
 * set), 0 when either is not so, -1 on an error. Most reads settle at the first test. */
static int shadows_module(PyObject *self, PyObject *stack, PyObject *name)
{
    PyObject *module = PyList_GET_ITEM(stack, 0);
    if (Py_TYPE(module) != fl.scope_type)
        return 1;  /* unexpected: left to _load */
    PyObject *bindings = FL_SLOT(module, fl.scope_bindings);
    if (bindings == NULL || !PyDict_CheckExact(bindings))
        return 1;  /* unexpected: left to _load */
    PyObject *top = PyDict_GetItemWithError(bindings, name);
    if (top == NULL)
        return PyErr_Occurred() ? -1 : 0;
    PyObject *ann = PyObject_GetAttr(self, fl.s_ann);
    if (ann == NULL)
        return -1;
    int r = PyObject_IsTrue(ann);
    Py_DECREF(ann);
    return r;
}

/* The read of `name` at `node` by `self`: 1 done, 0 left to `_load` (nothing changed), -1. */
static int fast_load(PyObject *self, PyObject *name, PyObject *node)
{
    if (fl.load == NULL || !PyUnicode_CheckExact(name)
            || _PyType_Lookup(Py_TYPE(self), s_load) != fl.load)
        return 0;
    PyObject *stack = PyObject_GetAttr(self, fl.s_stack);
    if (stack == NULL)
        return -1;
    int r = 0;
    Py_ssize_t size = PyList_CheckExact(stack) ? PyList_GET_SIZE(stack) : 0;
    int can_access = -1;  /* pyflakes' can_access_class_vars: None, False or True */
    PyObject *found = NULL;
    Py_ssize_t at = -1;
    for (Py_ssize_t i = size - 1; i >= 0; i--) {
        PyObject *scope = PyList_GET_ITEM(stack, i);
        long kind;
        if (Py_TYPE(scope) != fl.scope_type || !fl_small_int(scope, fl.scope_kind, &kind))
            goto done;
        if (kind == fl.class_kind) {
            if (PyUnicode_Compare(name, fl.s_class) == 0)
                goto done;  /* _load returns at once: left to it */
            if (can_access == 0)
                continue;
        }
        PyObject *bindings = FL_SLOT(scope, fl.scope_bindings);
        if (bindings == NULL || !PyDict_CheckExact(bindings))
            goto done;
        found = PyDict_GetItemWithError(bindings, name);
        if (found != NULL) {
            at = i;
            break;
        }
        if (PyErr_Occurred()) {
            r = -1;
            goto done;
        }
        /* A star import on the way matters only when nothing is found: left to _load then. */
        if (can_access != 0)
            can_access = kind >= fl.comp_kind;
    }
    if (found == NULL)
        goto done;
    if (at > 0) {
        /* A postponed annotation's read resolves in the module first when it can (`_load`):
         * left to it when the module binds the name too and the read is in one. */
        int shadows = shadows_module(self, stack, name);
        if (shadows != 0) {
            r = shadows < 0 ? -1 : 0;
            goto done;
        }
    }
    PyObject *current = PyList_GET_ITEM(stack, size - 1);
    PyObject *index = FL_SLOT(current, fl.scope_index);
    if (index == NULL)
        goto done;
    if (found == fl.builtin) {
        PyObject *used = PyObject_GetAttr(self, fl.s_used_builtins);
        if (used == NULL) {
            r = -1;
            goto done;
        }
        PyObject *use = PyDict_CheckExact(used) ? PyTuple_Pack(2, index, node) : NULL;
        if (use != NULL) {
            r = PyDict_SetItem(used, name, use) < 0 ? -1 : 1;
            Py_DECREF(use);
        } else if (PyErr_Occurred()) {
            r = -1;
        }
        Py_DECREF(used);
        goto done;
    }
    long kind;
    if (Py_TYPE(found) != fl.binding_type || !fl_small_int(found, fl.b_kind, &kind)
            || kind == fl.annotation_kind)
        goto done;
    if (kind <= fl.future_kind && !fl_unaliased(FL_SLOT(found, fl.b_full_name), name))
        goto done;
    PyObject *use = PyTuple_Pack(2, index, node);
    if (use == NULL) {
        r = -1;
        goto done;
    }
    /* The old values are dropped last: their release cannot run Python code that sees a
     * half-done read (a use tuple holds an int and a node the tree still holds). */
    Py_INCREF(found);
    PyObject *old_use = FL_SLOT(found, fl.b_use), *old_used = FL_SLOT(found, fl.b_used);
    FL_SLOT(found, fl.b_use) = use;
    FL_SLOT(found, fl.b_used) = Py_NewRef(Py_True);
    Py_XDECREF(old_use);
    Py_XDECREF(old_used);
    Py_DECREF(found);
    r = 1;
done:
    Py_DECREF(stack);
    return r;
}

/* configure(scope_cls, binding_cls, builtin, load, kinds): what the C name read and binding
 * operations need to know of `_bindings` and `_scope_state`; `kinds` maps "class",
 * "comprehension", "annotation", "future" (the last import kind), "module", "function",
 * "lambda" and "named" to their ints. Nothing changes unless all of it is accepted. */
static int fb_configure(PyObject *binding_cls, PyObject *kinds);

/* kinds[key] for each of `n` keys, as C longs in `values`: 0, or -1 with a TypeError. */
static int read_kinds(PyObject *kinds, const char *const keys[], long values[], size_t n)
{
    for (size_t i = 0; i < n; i++) {
        PyObject *value = PyDict_GetItemString(kinds, keys[i]);
        if (value == NULL || !PyLong_Check(value)) {
            PyErr_Format(PyExc_TypeError, "kinds[%s] must be an int", keys[i]);
            return -1;
        }
        values[i] = PyLong_AsLong(value);
        if (values[i] == -1 && PyErr_Occurred())
            return -1;
    }
    return 0;
}

static PyObject *scope_configure(PyObject *module, PyObject *args)
{
    (void)module;
    PyObject *scope_cls, *binding_cls, *builtin, *load, *kinds;
    if (!PyArg_ParseTuple(args, "O!O!OOO!:configure", &PyType_Type, &scope_cls,
                          &PyType_Type, &binding_cls, &builtin, &load, &PyDict_Type, &kinds))
        return NULL;
    struct { PyObject *cls; const char *name; Py_ssize_t *offset; } slots[] = {
        {scope_cls, "kind", &fl.scope_kind}, {scope_cls, "bindings", &fl.scope_bindings},
        {scope_cls, "index", &fl.scope_index}, {binding_cls, "kind", &fl.b_kind},
        {binding_cls, "use", &fl.b_use}, {binding_cls, "used", &fl.b_used},
        {binding_cls, "full_name", &fl.b_full_name},
    };
    Py_ssize_t offsets[sizeof(slots) / sizeof(slots[0])];
    for (size_t i = 0; i < sizeof(slots) / sizeof(slots[0]); i++) {
        PyObject *name = PyUnicode_InternFromString(slots[i].name);
        int bad = name == NULL || shoal_slot_offset(slots[i].cls, name, &offsets[i]) < 0;
        Py_XDECREF(name);
        if (bad)
            return NULL;
    }
    static const char *const keys[] = {"class", "comprehension", "annotation", "future"};
    long values[4];
    if (read_kinds(kinds, keys, values, 4) < 0)
        return NULL;
    if (fl.s_stack == NULL) {
        fl.s_stack = PyUnicode_InternFromString("stack");
        fl.s_used_builtins = PyUnicode_InternFromString("used_builtins");
        fl.s_class = PyUnicode_InternFromString("__class__");
        fl.s_ann = PyUnicode_InternFromString("ann");
        if (fl.s_stack == NULL || fl.s_used_builtins == NULL || fl.s_class == NULL
                || fl.s_ann == NULL)
            return NULL;
    }
    if (fb_configure(binding_cls, kinds) < 0)
        return NULL;
    for (size_t i = 0; i < sizeof(slots) / sizeof(slots[0]); i++)
        *slots[i].offset = offsets[i];
    fl.class_kind = values[0];
    fl.comp_kind = values[1];
    fl.annotation_kind = values[2];
    fl.future_kind = values[3];
    Py_INCREF(scope_cls);
    Py_XSETREF(fl.scope_type, (PyTypeObject *)scope_cls);
    Py_INCREF(binding_cls);
    Py_XSETREF(fl.binding_type, (PyTypeObject *)binding_cls);
    Py_XSETREF(fl.builtin, Py_NewRef(builtin));
    Py_XSETREF(fl.load, Py_NewRef(load));
    Py_RETURN_NONE;
}

#endif
