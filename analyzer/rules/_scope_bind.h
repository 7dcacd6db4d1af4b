/* The scope analysis' binding operations in C, for `_scope_native.c`: `Walk._new`, `_add`
 * and `_check_local`, whose Python twins are `_ScopeState._new_python`, `_add_python` and
 * `_check_local_python` (selected instead with SHOAL_NATIVE_SCOPE=0; the tests compare the
 * two analyses).
 *
 * Why: every binding (an assignment's name, an argument, a def, an import) passed through
 * three Python frames, whose own time was 2.6% of a one-process check's samples, and a
 * binding's Python `__init__`, which sets its eighteen slots one by one.
 *
 * The contract:
 *   _new(name, kind, node) makes the `_B` that `_B(name, kind, node, self.stack[-1].index,
 *   self.fork)` makes (its slots written here, with `_B.__init__`'s values: `configure`
 *   refuses a `_B` whose slots are not the ones listed below), appends it to
 *   `self.all_bindings` and returns it.
 *   _add(b) stores a binding whose name is not bound in any open scope, or bound only as a
 *   builtin, as `_add_python` does (no redefinition to report there); any other binding,
 *   and any `:=` target, goes to `self._add_python(b)`.
 *   _check_local(name) returns at once where `_check_local_python` finds nothing to report
 *   (not in a function, the name already local, no read of it from this scope in an
 *   enclosing function, the module or the builtins); where it would report, it calls it.
 *   _store_name(node, kind, stmt) and _store(target, direct, nested, stmt) do what
 *   `_store_name_python` and `_store_python` do, calling the same methods (`_new`,
 *   `_check_local`, `_add`, `_store_name`, `_store`, `visit`) through the instance, so that
 *   a subclass's overrides are honoured; `__all__` with a statement goes to the twin.
 * Anything unexpected (a scope or binding of another type, an unset slot) goes to the
 * Python twin as well.
 */
#ifndef SHOAL_SCOPE_BIND_H
#define SHOAL_SCOPE_BIND_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

/* The slots of `_B`, in the order `_B.__slots__` lists them. */
static const char *const fb_slot_names[] = {
    "name", "kind", "node", "stmt", "used", "scope_index", "fork", "deleted",
    "module", "full_name", "real_name", "alias", "redefined", "names", "dynamic",
    "redefined_line", "use",
};
enum { FB_NAME, FB_KIND, FB_NODE, FB_STMT, FB_USED, FB_SCOPE_INDEX, FB_FORK,
       FB_DELETED, FB_MODULE, FB_FULL_NAME, FB_REAL_NAME, FB_ALIAS, FB_REDEFINED, FB_NAMES,
       FB_DYNAMIC, FB_REDEFINED_LINE, FB_USE, FB_COUNT };

static struct {
    Py_ssize_t slot[FB_COUNT];
    long module_kind, func_kind, lambda_kind, named_kind;
    PyObject *s_fork, *s_all_bindings, *s_add_python, *s_new_python, *s_check_local_python;
    PyObject *s_new, *s_add, *s_check_local, *s_store, *s_store_name,
        *s_store_name_python, *s_all, *s_visit;
    int ready;
} fb;

/* Check `binding_cls.__slots__` against the list above and take each slot's offset. */
static int fb_configure(PyObject *binding_cls, PyObject *kinds)
{
    PyObject *slots = PyObject_GetAttrString(binding_cls, "__slots__");
    if (slots == NULL)
        return -1;
    int same = PyTuple_Check(slots) && PyTuple_GET_SIZE(slots) == FB_COUNT;
    for (Py_ssize_t i = 0; same && i < FB_COUNT; i++) {
        PyObject *item = PyTuple_GET_ITEM(slots, i);
        same = PyUnicode_Check(item) && PyUnicode_CompareWithASCIIString(item, fb_slot_names[i]) == 0;
    }
    Py_DECREF(slots);
    if (!same) {
        PyErr_SetString(PyExc_TypeError, "_B.__slots__ is not the list in _scope_bind.h: "
                        "update that list and _new there with _B.__init__");
        return -1;
    }
    Py_ssize_t offsets[FB_COUNT];
    for (Py_ssize_t i = 0; i < FB_COUNT; i++) {
        PyObject *name = PyUnicode_InternFromString(fb_slot_names[i]);
        int bad = name == NULL || shoal_slot_offset(binding_cls, name, &offsets[i]) < 0;
        Py_XDECREF(name);
        if (bad)
            return -1;
    }
    static const char *const keys[] = {"module", "function", "lambda", "named"};
    long values[4];
    if (read_kinds(kinds, keys, values, 4) < 0)
        return -1;
    for (Py_ssize_t i = 0; i < FB_COUNT; i++)
        fb.slot[i] = offsets[i];
    fb.module_kind = values[0];
    fb.func_kind = values[1];
    fb.lambda_kind = values[2];
    fb.named_kind = values[3];
    fb.ready = 1;
    return 0;
}

/* The names the twins are called by, interned once at the module's import: 0 or -1. */
static int fb_intern(void)
{
    struct { PyObject **slot; const char *text; } names[] = {
        {&fb.s_fork, "fork"}, {&fb.s_all_bindings, "all_bindings"},
        {&fb.s_add_python, "_add_python"}, {&fb.s_new_python, "_new_python"},
        {&fb.s_check_local_python, "_check_local_python"}, {&fb.s_new, "_new"},
        {&fb.s_add, "_add"}, {&fb.s_check_local, "_check_local"}, {&fb.s_store, "_store"},
        {&fb.s_store_name, "_store_name"},
        {&fb.s_store_name_python, "_store_name_python"},
        {&fb.s_all, "__all__"}, {&fb.s_visit, "visit"},
    };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (*names[i].slot == NULL && (*names[i].slot = PyUnicode_InternFromString(names[i].text)) == NULL)
            return -1;
    }
    return 0;
}

/* self.<method>(*args), at most four. */
static PyObject *fb_call(PyObject *self, PyObject *method, PyObject *const *args, size_t n)
{
    PyObject *call[5] = {self};
    for (size_t i = 0; i < n; i++)
        call[i + 1] = args[i];
    return PyObject_VectorcallMethod(method, call, (n + 1) | PY_VECTORCALL_ARGUMENTS_OFFSET, NULL);
}

/* self.stack as a new reference when it is a non-empty list, else NULL (with an exception
 * only when the read failed). */
static PyObject *fb_stack(PyObject *self)
{
    PyObject *stack = PyObject_GetAttr(self, fl.s_stack);
    if (stack == NULL)
        return NULL;
    if (!PyList_CheckExact(stack) || PyList_GET_SIZE(stack) == 0) {
        Py_DECREF(stack);
        return NULL;
    }
    return stack;
}

/* A `_Scope`'s kind and bindings dict (borrowed), or 0 when the scope is not as expected. */
static int fb_scope(PyObject *scope, long *kind, PyObject **bindings)
{
    if (Py_TYPE(scope) != fl.scope_type || !fl_small_int(scope, fl.scope_kind, kind))
        return 0;
    *bindings = FL_SLOT(scope, fl.scope_bindings);
    return *bindings != NULL && PyDict_CheckExact(*bindings);
}

static PyObject *walk_new(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 3) {
        PyErr_SetString(PyExc_TypeError, "_new(name, kind, node) takes 3 arguments");
        return NULL;
    }
    PyObject *stack = fb.ready ? fb_stack(self) : NULL;
    if (stack == NULL)
        return PyErr_Occurred() ? NULL : fb_call(self, fb.s_new_python, args, 3);
    PyObject *current = PyList_GET_ITEM(stack, PyList_GET_SIZE(stack) - 1);
    PyObject *index = Py_TYPE(current) == fl.scope_type ? FL_SLOT(current, fl.scope_index) : NULL;
    if (index == NULL) {
        Py_DECREF(stack);
        return fb_call(self, fb.s_new_python, args, 3);
    }
    Py_INCREF(index);
    Py_DECREF(stack);
    PyObject *fork = PyObject_GetAttr(self, fb.s_fork);
    PyObject *all = fork == NULL ? NULL : PyObject_GetAttr(self, fb.s_all_bindings);
    PyObject *b = all == NULL ? NULL : fl.binding_type->tp_alloc(fl.binding_type, 0);
    if (b == NULL) {
        Py_DECREF(index);
        Py_XDECREF(fork);
        Py_XDECREF(all);
        return NULL;
    }
    PyObject *name = args[0], *kind = args[1], *node = args[2];
    PyObject *values[FB_COUNT] = {
        [FB_NAME] = name, [FB_KIND] = kind, [FB_NODE] = node, [FB_STMT] = node,
        [FB_USED] = Py_False, [FB_SCOPE_INDEX] = index,
        [FB_FORK] = fork, [FB_DELETED] = Py_False, [FB_MODULE] = Py_None,
        [FB_FULL_NAME] = name, [FB_REAL_NAME] = name, [FB_ALIAS] = Py_None,
        [FB_REDEFINED] = Py_None, [FB_NAMES] = Py_None, [FB_DYNAMIC] = Py_False,
        [FB_REDEFINED_LINE] = Py_None, [FB_USE] = Py_None,
    };
    for (Py_ssize_t i = 0; i < FB_COUNT; i++)
        FL_SLOT(b, fb.slot[i]) = Py_NewRef(values[i]);
    Py_DECREF(index);
    Py_DECREF(fork);
    int r = PyList_Check(all) ? PyList_Append(all, b) : -1;
    if (r < 0 && !PyErr_Occurred())
        PyErr_SetString(PyExc_TypeError, "all_bindings must be a list");
    Py_DECREF(all);
    if (r < 0) {
        Py_DECREF(b);
        return NULL;
    }
    return b;
}

static PyObject *walk_add(PyObject *self, PyObject *b)
{
    long kind;
    PyObject *name;
    if (!fb.ready || Py_TYPE(b) != fl.binding_type || !fl_small_int(b, fb.slot[FB_KIND], &kind)
            || kind == fb.named_kind || (name = FL_SLOT(b, fb.slot[FB_NAME])) == NULL
            || !PyUnicode_CheckExact(name))
        return fb_call(self, fb.s_add_python, &b, 1);
    PyObject *stack = fb_stack(self);
    if (stack == NULL)
        return PyErr_Occurred() ? NULL : fb_call(self, fb.s_add_python, &b, 1);
    PyObject *existing = NULL, *current_bindings = NULL;
    int plain = 1;
    for (Py_ssize_t i = PyList_GET_SIZE(stack) - 1; plain && i >= 0; i--) {
        long scope_kind;
        PyObject *bindings;
        if (!fb_scope(PyList_GET_ITEM(stack, i), &scope_kind, &bindings)) {
            plain = 0;
            break;
        }
        if (current_bindings == NULL)
            current_bindings = bindings;
        existing = PyDict_GetItemWithError(bindings, name);
        if (existing != NULL)
            break;
        if (PyErr_Occurred()) {
            Py_DECREF(stack);
            return NULL;
        }
    }
    if (!plain || (existing != NULL && existing != fl.builtin)) {
        Py_DECREF(stack);
        return fb_call(self, fb.s_add_python, &b, 1);
    }
    Py_INCREF(current_bindings);
    Py_DECREF(stack);
    PyObject *here = PyDict_GetItemWithError(current_bindings, name);
    int r = 0;
    if (here == NULL && PyErr_Occurred()) {
        r = -1;
    } else if (here == fl.builtin) {
        /* b.use = self.used_builtins.get(name); b.used = b.use is not None */
        PyObject *used = PyObject_GetAttr(self, fl.s_used_builtins);
        PyObject *use = NULL;
        if (used == NULL || !PyDict_CheckExact(used)) {
            if (used != NULL)
                PyErr_SetString(PyExc_TypeError, "used_builtins must be a dict");
            r = -1;
        } else {
            use = PyDict_GetItemWithError(used, name);
            if (use == NULL && PyErr_Occurred())
                r = -1;
        }
        if (r == 0) {
            PyObject *old_use = FL_SLOT(b, fb.slot[FB_USE]), *old_used = FL_SLOT(b, fb.slot[FB_USED]);
            FL_SLOT(b, fb.slot[FB_USE]) = Py_NewRef(use != NULL ? use : Py_None);
            FL_SLOT(b, fb.slot[FB_USED]) = Py_NewRef(use != NULL ? Py_True : Py_False);
            Py_XDECREF(old_use);
            Py_XDECREF(old_used);
        }
        Py_XDECREF(used);
    }
    if (r == 0 && (here == NULL || kind != fl.annotation_kind))
        r = PyDict_SetItem(current_bindings, name, b);
    Py_DECREF(current_bindings);
    if (r < 0)
        return NULL;
    Py_RETURN_NONE;
}

static PyObject *walk_check_local(PyObject *self, PyObject *name)
{
    if (!fb.ready || !PyUnicode_CheckExact(name))
        return fb_call(self, fb.s_check_local_python, &name, 1);
    PyObject *stack = fb_stack(self);
    if (stack == NULL)
        return PyErr_Occurred() ? NULL : fb_call(self, fb.s_check_local_python, &name, 1);
    Py_ssize_t n = PyList_GET_SIZE(stack);
    PyObject *current = PyList_GET_ITEM(stack, n - 1);
    long kind;
    PyObject *bindings;
    int python = 0, r = 0;
    if (!fb_scope(current, &kind, &bindings)) {
        python = 1;
        goto out;
    }
    if (kind != fb.func_kind && kind != fb.lambda_kind)
        goto out;
    r = PyDict_Contains(bindings, name);
    if (r != 0)
        goto out;  /* already local (or an error) */
    PyObject *index = FL_SLOT(current, fl.scope_index);
    PyObject *used_builtins = NULL;
    for (Py_ssize_t i = 0; !python && r == 0 && i < n - 1; i++) {
        PyObject *scope_bindings;
        if (!fb_scope(PyList_GET_ITEM(stack, i), &kind, &scope_bindings)) {
            python = 1;
            break;
        }
        if (kind != fb.func_kind && kind != fb.lambda_kind && kind != fb.module_kind)
            continue;
        PyObject *b = PyDict_GetItemWithError(scope_bindings, name);
        if (b == NULL) {
            r = PyErr_Occurred() ? -1 : 0;
            continue;
        }
        PyObject *use;
        if (b == fl.builtin) {
            if (used_builtins == NULL) {
                used_builtins = PyObject_GetAttr(self, fl.s_used_builtins);
                if (used_builtins == NULL) {
                    r = -1;
                    break;
                }
            }
            if (!PyDict_CheckExact(used_builtins)) {
                python = 1;
                break;
            }
            use = PyDict_GetItemWithError(used_builtins, name);
            if (use == NULL && PyErr_Occurred()) {
                r = -1;
                break;
            }
        } else if (Py_TYPE(b) == fl.binding_type) {
            use = FL_SLOT(b, fb.slot[FB_USE]);
        } else {
            python = 1;
            break;
        }
        if (use == NULL || use == Py_None)
            continue;
        if (index == NULL || !PyTuple_CheckExact(use) || PyTuple_GET_SIZE(use) != 2) {
            python = 1;
            break;
        }
        int same = PyObject_RichCompareBool(PyTuple_GET_ITEM(use, 0), index, Py_EQ);
        if (same < 0)
            r = -1;
        else if (same)
            python = 1;  /* a finding: the Python twin reports it */
    }
    Py_XDECREF(used_builtins);
out:
    Py_DECREF(stack);
    if (r < 0)
        return NULL;
    if (python)
        return fb_call(self, fb.s_check_local_python, &name, 1);
    Py_RETURN_NONE;
}

/* Drop a call's result: 0, or -1 when it failed. */
static int fb_done(PyObject *result)
{
    if (result == NULL)
        return -1;
    Py_DECREF(result);
    return 0;
}

static PyObject *walk_store_name(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 3) {
        PyErr_SetString(PyExc_TypeError, "_store_name(node, kind, stmt) takes 3 arguments");
        return NULL;
    }
    PyObject *node = args[0], *kind = args[1], *stmt = args[2];
    if (!fb.ready || !PyLong_CheckExact(kind))
        return fb_call(self, fb.s_store_name_python, args, 3);
    PyObject *name = shoal_node_getattr(node, s_id);
    if (name == NULL)
        return NULL;
    if (!PyUnicode_CheckExact(name)
            || (stmt != Py_None && PyUnicode_Compare(name, fb.s_all) == 0)) {
        Py_DECREF(name);
        return fb_call(self, fb.s_store_name_python, args, 3);  /* __all__: its names too */
    }
    PyObject *new_args[3] = {name, kind, node};
    PyObject *b = fb_call(self, fb.s_new, new_args, 3);
    int r = b == NULL ? -1 : 0;
    if (r == 0)
        r = fb_done(fb_call(self, fb.s_check_local, &name, 1));
    if (r == 0)
        r = fb_done(fb_call(self, fb.s_add, &b, 1));
    Py_XDECREF(b);
    Py_DECREF(name);
    if (r < 0)
        return NULL;
    Py_RETURN_NONE;
}

static PyObject *walk_store(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 4) {
        PyErr_SetString(PyExc_TypeError, "_store(target, direct, nested, stmt) takes 4 arguments");
        return NULL;
    }
    PyObject *target = args[0], *nested = args[2];
    PyTypeObject *cls = Py_TYPE(target);
    if (cls == T_Name) {
        PyObject *name_args[3] = {target, args[1], args[3]};
        return fb_call(self, fb.s_store_name, name_args, 3);
    }
    if (cls == T_Tuple || cls == T_List || cls == T_Starred) {
        PyObject *inner = shoal_node_getattr(target, cls == T_Starred ? s_value : s_elts);
        if (inner == NULL)
            return NULL;
        int r = 0;
        if (cls == T_Starred) {
            PyObject *store_args[4] = {inner, nested, nested, Py_None};
            r = fb_done(fb_call(self, fb.s_store, store_args, 4));
        } else {
            PyObject *seq = PySequence_Fast(inner, "elts must be a sequence");
            for (Py_ssize_t i = 0; seq != NULL && r == 0 && i < PySequence_Fast_GET_SIZE(seq); i++) {
                PyObject *store_args[4] = {PySequence_Fast_GET_ITEM(seq, i), nested, nested, Py_None};
                r = fb_done(fb_call(self, fb.s_store, store_args, 4));
            }
            r = seq == NULL ? -1 : r;
            Py_XDECREF(seq);
        }
        Py_DECREF(inner);
        if (r < 0)
            return NULL;
        Py_RETURN_NONE;
    }
    return fb_call(self, fb.s_visit, &target, 1);
}

#endif
