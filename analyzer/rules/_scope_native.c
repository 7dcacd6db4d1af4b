/* The scope analysis' node dispatch in C: the base class of the analyzer when built.
 *
 * Why C: about a third of the scope analysis' time went to nodes that bind nothing and
 * decide nothing (an attribute chain, an operator, a call's arguments, a constant outside
 * an annotation): a Python handler call each, only to reach the names below them. `Walk`
 * gives the analyzer three methods, `visit`, `_visit_all` and `_visit_opt`, with the
 * contract of their Python twins in `_scope_state._PythonWalk`, which stay the fallback
 * (`SHOAL_NATIVE_SCOPE=0`) and the model the tests compare this to:
 *
 *   a node of a class in the table below is handled here exactly as the analyzer's own
 *   `v_<Class>` handler would handle it (the comment at each case names the handler);
 *   a class whose fields are in `self._generic_fields` (no handler: `_handler_for` put them there)
 *   has those fields walked here, as `_walk_fields` does;
 *   any other node goes to its handler in `self._dispatch` (or `self._handler_for(cls)`),
 *   a Python function called as `handler(self, node)`.
 *
 * A name read is resolved by `fast_load` where it is plain and otherwise calls
 * `self._load(id, node)` (`_scope_load.h`); `Walk` also gives the binding operations `_new`,
 * `_add`, `_check_local`, `_store_name` and `_store`, which handle the common cases and hand
 * the others to their Python twins (`_scope_bind.h`); both know the analyzer's classes
 * through `configure()`, called once by `_scope_state`. Every handler that opens a scope or
 * changes the annotation state, and every finding, stays Python. An exception from any call
 * propagates at once, as it would through the Python handlers.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "_node_fields.h"

static PyObject *ast_base;  /* ast.AST */
static PyTypeObject *T_Name, *T_Load, *T_Attribute, *T_Expr, *T_keyword, *T_Starred,
    *T_UnaryOp, *T_BoolOp, *T_Compare, *T_BinOp, *T_Constant, *T_Tuple, *T_List, *T_Set,
    *T_Dict, *T_JoinedStr, *T_FormattedValue, *T_Slice, *T_Call;

static PyObject *s_dispatch, *s_generic, *s_handler_for, *s_load, *s_ann, *s_typing_names,
    *s_ctx, *s_id, *s_value, *s_elts, *s_left, *s_right, *s_values, *s_comparators,
    *s_operand, *s_keys, *s_lower, *s_upper, *s_step, *s_format_spec, *s_func, *s_args,
    *s_keywords, *s_locals;

typedef struct {
    PyObject *self;
    PyObject *dispatch;  /* dict: class -> handler */
    PyObject *generic;   /* dict: class -> field names */
} Ctx;

static int visit(Ctx *c, PyObject *node);

#include "_scope_load.h"
#include "_scope_bind.h"

/* getattr(obj, name) as a new reference, or NULL with an exception set. */
static inline PyObject *field(PyObject *obj, PyObject *name)
{
    return shoal_node_getattr(obj, name);
}

/* Visit the field `name` of `node` (None is skipped, as _visit_opt does). */
static int visit_field(Ctx *c, PyObject *node, PyObject *name)
{
    PyObject *value = field(node, name);
    if (value == NULL)
        return -1;
    int r = value == Py_None ? 0 : visit(c, value);
    Py_DECREF(value);
    return r;
}

/* _visit_all over a sequence: each item that is not None, in order. */
static int visit_seq(Ctx *c, PyObject *items)
{
    PyObject *seq = PySequence_Fast(items, "the nodes to visit must be a sequence");
    if (seq == NULL)
        return -1;
    int r = 0;
    /* A handler may not change the list it is handed, but the list is held all the same. */
    for (Py_ssize_t i = 0; r == 0 && i < PySequence_Fast_GET_SIZE(seq); i++) {
        PyObject *item = PySequence_Fast_GET_ITEM(seq, i);
        if (item != Py_None) {
            Py_INCREF(item);
            r = visit(c, item);
            Py_DECREF(item);
        }
    }
    Py_DECREF(seq);
    return r;
}

static int visit_list_field(Ctx *c, PyObject *node, PyObject *name)
{
    PyObject *value = field(node, name);
    if (value == NULL)
        return -1;
    int r = visit_seq(c, value);
    Py_DECREF(value);
    return r;
}

/* The node's handler from the table (filled by `_handler_for` on a miss), called. */
static int call_handler(Ctx *c, PyObject *node)
{
    PyObject *cls = (PyObject *)Py_TYPE(node);
    PyObject *handler = PyDict_GetItemWithError(c->dispatch, cls);
    if (handler != NULL) {
        Py_INCREF(handler);
    } else {
        if (PyErr_Occurred())
            return -1;
        handler = PyObject_CallMethodOneArg(c->self, s_handler_for, cls);
        if (handler == NULL)
            return -1;
    }
    PyObject *args[2] = {c->self, node};
    PyObject *result = PyObject_Vectorcall(handler, args, 2, NULL);
    Py_DECREF(handler);
    if (result == NULL)
        return -1;
    Py_DECREF(result);
    return 0;
}

/* `_walk_fields`: each field, a node or a list's nodes (anything else is skipped). */
static int walk_fields(Ctx *c, PyObject *node, PyObject *fields)
{
    if (!PyTuple_Check(fields)) {
        PyErr_SetString(PyExc_TypeError, "a class's generic fields must be a tuple");
        return -1;
    }
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(fields); i++) {
        PyObject *value = shoal_node_field(node, PyTuple_GET_ITEM(fields, i));
        int found = 1;
        if (value != NULL)
            Py_INCREF(value);
        else
#if PY_VERSION_HEX >= 0x030D0000
            found = PyObject_GetOptionalAttr(node, PyTuple_GET_ITEM(fields, i), &value);
#else
            found = _PyObject_LookupAttr(node, PyTuple_GET_ITEM(fields, i), &value);
#endif
        if (found < 0)
            return -1;
        if (found == 0)
            continue;
        int r = 0;
        int is_node = PyObject_IsInstance(value, ast_base);
        if (is_node < 0) {
            r = -1;
        } else if (is_node) {
            r = visit(c, value);
        } else if (PyList_Check(value)) {
            /* isinstance(item, ast.AST) for each item, as the Python loop tests. */
            for (Py_ssize_t j = 0; r == 0 && j < PyList_GET_SIZE(value); j++) {
                PyObject *item = PyList_GET_ITEM(value, j);
                Py_INCREF(item);
                int item_is_node = PyObject_IsInstance(item, ast_base);
                r = item_is_node < 0 ? -1 : item_is_node ? visit(c, item) : 0;
                Py_DECREF(item);
            }
        }
        Py_DECREF(value);
        if (r < 0)
            return -1;
    }
    return 0;
}

/* The class of node.ctx is ast.Load: 1, 0, or -1. */
static int loads(PyObject *node)
{
    PyObject *ctx = field(node, s_ctx);
    if (ctx == NULL)
        return -1;
    int r = Py_TYPE(ctx) == T_Load;
    Py_DECREF(ctx);
    return r;
}

/* Is `node` an ast.Name (exactly) whose id is `text`, or (with `names`) in that set? */
static int name_is(PyObject *node, PyObject *text, PyObject *names)
{
    if (Py_TYPE(node) != T_Name)
        return 0;
    PyObject *id = field(node, s_id);
    if (id == NULL)
        return -1;
    int r = names != NULL ? PySet_Contains(names, id)
                          : PyObject_RichCompareBool(id, text, Py_EQ);
    Py_DECREF(id);
    return r;
}

/* v_BinOp: the left spine is a loop (generated code nests thousands of operators); the
 * leftmost operand first, then each right operand from the innermost out. */
static int visit_binop(Ctx *c, PyObject *node)
{
    PyObject *rights = PyList_New(0);
    if (rights == NULL)
        return -1;
    PyObject *left = Py_NewRef(node);
    int r = 0;
    while (r == 0 && PyObject_TypeCheck(left, T_BinOp)) {
        PyObject *right = field(left, s_right);
        PyObject *next = right == NULL ? NULL : field(left, s_left);
        if (next == NULL || PyList_Append(rights, right) < 0)
            r = -1;
        Py_XDECREF(right);
        Py_DECREF(left);
        left = next;
    }
    if (r == 0)
        r = visit(c, left);
    Py_XDECREF(left);
    for (Py_ssize_t i = PyList_GET_SIZE(rights) - 1; r == 0 && i >= 0; i--)
        r = visit(c, PyList_GET_ITEM(rights, i));
    Py_DECREF(rights);
    return r;
}

/* v_Call, when it has nothing to decide: outside an annotation (in one, its arguments are
 * values: the Python handler says so), no `locals` callee or argument, and a callee that
 * no typing import bound. 1 when handled, 0 when the Python handler must run, -1 on error. */
static int visit_plain_call(Ctx *c, PyObject *node)
{
    PyObject *ann = PyObject_GetAttr(c->self, s_ann);
    if (ann == NULL)
        return -1;
    int in_annotation = PyObject_IsTrue(ann);
    Py_DECREF(ann);
    if (in_annotation != 0)
        return in_annotation < 0 ? -1 : 0;
    PyObject *func = field(node, s_func);
    if (func == NULL)
        return -1;
    PyObject *args = field(node, s_args);
    PyObject *typing = args == NULL ? NULL : PyObject_GetAttr(c->self, s_typing_names);
    int plain = typing == NULL ? -1 : 1;
    if (plain == 1) {
        int r = name_is(func, s_locals, NULL);
        plain = r < 0 ? -1 : !r;
    }
    if (plain == 1) {
        PyObject *seq = PySequence_Fast(args, "a call's args must be a sequence");
        if (seq == NULL)
            plain = -1;
        for (Py_ssize_t i = 0; plain == 1 && i < PySequence_Fast_GET_SIZE(seq); i++) {
            int r = name_is(PySequence_Fast_GET_ITEM(seq, i), s_locals, NULL);
            plain = r < 0 ? -1 : !r;
        }
        Py_XDECREF(seq);
    }
    int any_typing = plain == 1 ? PyObject_IsTrue(typing) : 0;
    if (any_typing < 0)
        plain = -1;
    if (plain == 1 && any_typing) {
        if (!PyAnySet_Check(typing)) {
            PyErr_SetString(PyExc_TypeError, "typing_names must be a set");
            plain = -1;
        } else if (Py_TYPE(func) == T_Name) {
            int r = name_is(func, NULL, typing);
            plain = r < 0 ? -1 : !r;
        } else if (Py_TYPE(func) == T_Attribute) {
            PyObject *base = field(func, s_value);
            int r = base == NULL ? -1 : name_is(base, NULL, typing);
            Py_XDECREF(base);
            plain = r < 0 ? -1 : !r;
        }
    }
    if (plain == 1) {
        if (visit(c, func) < 0 || visit_seq(c, args) < 0
                || visit_list_field(c, node, s_keywords) < 0)
            plain = -1;
    }
    Py_DECREF(func);
    Py_XDECREF(args);
    Py_XDECREF(typing);
    return plain;
}

static int visit_dict(Ctx *c, PyObject *node)
{
    PyObject *keys = field(node, s_keys);
    PyObject *values = keys == NULL ? NULL : field(node, s_values);
    PyObject *ks = values == NULL ? NULL : PySequence_Fast(keys, "Dict.keys must be a sequence");
    PyObject *vs = ks == NULL ? NULL : PySequence_Fast(values, "Dict.values must be a sequence");
    int r = vs == NULL ? -1 : 0;
    if (r == 0) {
        /* zip(keys, values, strict=False) */
        Py_ssize_t n = PySequence_Fast_GET_SIZE(ks);
        if (PySequence_Fast_GET_SIZE(vs) < n)
            n = PySequence_Fast_GET_SIZE(vs);
        for (Py_ssize_t i = 0; r == 0 && i < n; i++) {
            /* held while visited, as visit_seq holds its items */
            PyObject *k = Py_NewRef(PySequence_Fast_GET_ITEM(ks, i));
            PyObject *v = Py_NewRef(PySequence_Fast_GET_ITEM(vs, i));
            if (k != Py_None)
                r = visit(c, k);
            if (r == 0)
                r = visit(c, v);
            Py_DECREF(k);
            Py_DECREF(v);
        }
    }
    Py_XDECREF(keys);
    Py_XDECREF(values);
    Py_XDECREF(ks);
    Py_XDECREF(vs);
    return r;
}

static int visit_inner(Ctx *c, PyObject *node)
{
    PyTypeObject *cls = Py_TYPE(node);
    if (cls == T_Name) {  /* v_Name: a read; a store or del goes to the handler */
        int r = loads(node);
        if (r <= 0)
            return r < 0 ? -1 : call_handler(c, node);
        PyObject *id = field(node, s_id);
        if (id == NULL)
            return -1;
        r = fast_load(c->self, id, node);
        if (r != 0) {
            Py_DECREF(id);
            return r < 0 ? -1 : 0;
        }
        PyObject *args[3] = {c->self, id, node};
        PyObject *result = PyObject_VectorcallMethod(
            s_load, args, 3 | PY_VECTORCALL_ARGUMENTS_OFFSET, NULL);
        Py_DECREF(id);
        if (result == NULL)
            return -1;
        Py_DECREF(result);
        return 0;
    }
    if (cls == T_Constant) {  /* v_Constant: only in an annotation may it matter */
        PyObject *ann = PyObject_GetAttr(c->self, s_ann);
        if (ann == NULL)
            return -1;
        int r = PyObject_IsTrue(ann);
        Py_DECREF(ann);
        return r <= 0 ? r : call_handler(c, node);
    }
    if (cls == T_Attribute) {  /* v_Attribute: down the chain, then its base */
        PyObject *value = field(node, s_value);
        while (value != NULL && PyObject_TypeCheck(value, T_Attribute)) {
            PyObject *next = field(value, s_value);
            Py_DECREF(value);
            value = next;
        }
        if (value == NULL)
            return -1;
        int r = visit(c, value);
        Py_DECREF(value);
        return r;
    }
    if (cls == T_Call) {  /* v_Call (_scope_annotations) when it has nothing to decide */
        int r = visit_plain_call(c, node);
        return r < 0 ? -1 : r ? 0 : call_handler(c, node);
    }
    if (cls == T_Expr || cls == T_keyword || cls == T_Starred)  /* v_Expr, v_keyword, v_Starred */
        return visit_field(c, node, s_value);
    if (cls == T_UnaryOp)  /* v_UnaryOp */
        return visit_field(c, node, s_operand);
    if (cls == T_BoolOp || cls == T_JoinedStr)  /* v_BoolOp, v_JoinedStr */
        return visit_list_field(c, node, s_values);
    if (cls == T_Compare)  /* v_Compare */
        return visit_field(c, node, s_left) < 0 ? -1 : visit_list_field(c, node, s_comparators);
    if (cls == T_BinOp)
        return visit_binop(c, node);
    if (cls == T_Set)  /* v_Tuple on a Set: its elements */
        return visit_list_field(c, node, s_elts);
    if (cls == T_Tuple || cls == T_List) {  /* v_Tuple: a read; a target goes to the handler */
        int r = loads(node);
        if (r <= 0)
            return r < 0 ? -1 : call_handler(c, node);
        return visit_list_field(c, node, s_elts);
    }
    if (cls == T_Dict)  /* v_Dict */
        return visit_dict(c, node);
    if (cls == T_FormattedValue)  /* v_FormattedValue */
        return visit_field(c, node, s_value) < 0 ? -1 : visit_field(c, node, s_format_spec);
    if (cls == T_Slice) {  /* v_Slice */
        if (visit_field(c, node, s_lower) < 0 || visit_field(c, node, s_upper) < 0)
            return -1;
        return visit_field(c, node, s_step);
    }
    PyObject *fields = PyDict_GetItemWithError(c->generic, (PyObject *)cls);
    if (fields != NULL) {
        Py_INCREF(fields);
        int r = walk_fields(c, node, fields);
        Py_DECREF(fields);
        return r;
    }
    if (PyErr_Occurred())
        return -1;
    return call_handler(c, node);
}

static int visit(Ctx *c, PyObject *node)
{
    if (Py_EnterRecursiveCall(" in the scope analysis"))
        return -1;
    int r = visit_inner(c, node);
    Py_LeaveRecursiveCall();
    return r;
}

/* The analyzer's tables, read once per call from Python. */
static int open_ctx(Ctx *c, PyObject *self)
{
    c->self = self;
    c->dispatch = PyObject_GetAttr(self, s_dispatch);
    if (c->dispatch == NULL)
        return -1;
    c->generic = PyObject_GetAttr(self, s_generic);
    if (c->generic == NULL) {
        Py_DECREF(c->dispatch);
        return -1;
    }
    if (!PyDict_Check(c->dispatch) || !PyDict_Check(c->generic)) {
        PyErr_SetString(PyExc_TypeError, "_dispatch and _generic_fields must be dicts");
        Py_DECREF(c->dispatch);
        Py_DECREF(c->generic);
        return -1;
    }
    return 0;
}

static void close_ctx(Ctx *c)
{
    Py_DECREF(c->dispatch);
    Py_DECREF(c->generic);
}

/* A method's body: `fn` on `arg` with the analyzer's tables. */
static PyObject *with_tables(PyObject *self, PyObject *arg, int (*fn)(Ctx *, PyObject *))
{
    Ctx c;
    if (open_ctx(&c, self) < 0)
        return NULL;
    int r = fn(&c, arg);
    close_ctx(&c);
    return r < 0 ? NULL : Py_NewRef(Py_None);
}

static PyObject *walk_visit(PyObject *self, PyObject *node)
{
    return with_tables(self, node, visit);
}

static PyObject *walk_visit_opt(PyObject *self, PyObject *node)
{
    if (node == Py_None)
        Py_RETURN_NONE;
    return with_tables(self, node, visit);
}

static PyObject *walk_visit_all(PyObject *self, PyObject *nodes)
{
    return with_tables(self, nodes, visit_seq);
}

static PyMethodDef module_methods[] = {
    {"configure", scope_configure, METH_VARARGS,
     "Tell the C name read and binding operations the classes, marker, kinds and `_load`."},
    {NULL, NULL, 0, NULL},
};

static PyMethodDef walk_methods[] = {
    {"visit", walk_visit, METH_O, "Dispatch a node to its handler, or walk its fields."},
    {"_visit_opt", walk_visit_opt, METH_O, "visit() a node unless it is None."},
    {"_visit_all", walk_visit_all, METH_O, "visit() each node of an iterable that is not None."},
    {"_new", (PyCFunction)(void (*)(void))walk_new, METH_FASTCALL,
     "A new binding in the current scope, recorded in all_bindings (_new_python's twin)."},
    {"_add", walk_add, METH_O, "Store a binding in its scope (_add_python's twin)."},
    {"_check_local", walk_check_local, METH_O,
     "Report a local bound after a read from outside (_check_local_python's twin)."},
    {"_store_name", (PyCFunction)(void (*)(void))walk_store_name, METH_FASTCALL,
     "Bind a stored name (_store_name_python's twin)."},
    {"_store", (PyCFunction)(void (*)(void))walk_store, METH_FASTCALL,
     "Bind the names of an assignment target (_store_python's twin)."},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject WalkType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "analyzer.rules._scope_native.Walk",
    .tp_basicsize = sizeof(PyObject),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
    .tp_doc = "The scope analyzer's dispatch in C (see _scope_state._PythonWalk).",
    .tp_methods = walk_methods,
    .tp_new = PyType_GenericNew,
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_scope_native", "The scope analysis' node dispatch in C.", -1,
    module_methods, NULL, NULL, NULL, NULL,
};

static int intern_all(void)
{
    struct { PyObject **slot; const char *text; } names[] = {
        {&s_dispatch, "_dispatch"}, {&s_generic, "_generic_fields"}, {&s_handler_for, "_handler_for"},
        {&s_load, "_load"}, {&s_ann, "ann"}, {&s_typing_names, "typing_names"},
        {&s_ctx, "ctx"}, {&s_id, "id"}, {&s_value, "value"}, {&s_elts, "elts"},
        {&s_left, "left"}, {&s_right, "right"}, {&s_values, "values"},
        {&s_comparators, "comparators"}, {&s_operand, "operand"}, {&s_keys, "keys"},
        {&s_lower, "lower"}, {&s_upper, "upper"}, {&s_step, "step"},
        {&s_format_spec, "format_spec"}, {&s_func, "func"}, {&s_args, "args"},
        {&s_keywords, "keywords"}, {&s_locals, "locals"},
    };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (*names[i].slot == NULL && (*names[i].slot = PyUnicode_InternFromString(names[i].text)) == NULL)
            return -1;
    }
    return 0;
}

static int ast_classes(void)
{
    struct { PyTypeObject **slot; const char *name; } classes[] = {
        {&T_Name, "Name"}, {&T_Load, "Load"}, {&T_Attribute, "Attribute"}, {&T_Expr, "Expr"},
        {&T_keyword, "keyword"}, {&T_Starred, "Starred"}, {&T_UnaryOp, "UnaryOp"},
        {&T_BoolOp, "BoolOp"}, {&T_Compare, "Compare"}, {&T_BinOp, "BinOp"},
        {&T_Constant, "Constant"}, {&T_Tuple, "Tuple"}, {&T_List, "List"}, {&T_Set, "Set"},
        {&T_Dict, "Dict"}, {&T_JoinedStr, "JoinedStr"}, {&T_FormattedValue, "FormattedValue"},
        {&T_Slice, "Slice"}, {&T_Call, "Call"},
    };
    if (ast_base != NULL)
        return 0;
    PyObject *ast = PyImport_ImportModule("ast");
    if (ast == NULL)
        return -1;
    ast_base = PyObject_GetAttrString(ast, "AST");
    for (size_t i = 0; ast_base != NULL && i < sizeof(classes) / sizeof(classes[0]); i++) {
        PyObject *cls = PyObject_GetAttrString(ast, classes[i].name);
        if (cls == NULL || !PyType_Check(cls)) {
            Py_XDECREF(cls);
            Py_CLEAR(ast_base);
            break;
        }
        /* kept for the interpreter's life, as the ast module keeps them */
        *classes[i].slot = (PyTypeObject *)cls;
    }
    Py_DECREF(ast);
    return ast_base == NULL ? -1 : 0;
}

PyMODINIT_FUNC PyInit__scope_native(void)
{
    if (intern_all() < 0 || fb_intern() < 0 || ast_classes() < 0 || PyType_Ready(&WalkType) < 0)
        return NULL;
    PyObject *m = PyModule_Create(&module);
    if (m == NULL)
        return NULL;
    if (PyModule_AddObjectRef(m, "Walk", (PyObject *)&WalkType) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
