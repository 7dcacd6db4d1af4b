/* The module rules' ast walk in C: the same contract as analyzer/rules/_ast_walk.py.
 *
 * Why C: the walk itself (fetch a node's fields, test each child, look up the bound
 * methods of its class) was about 7% of a cold check's CPU in Python, a per-node cost that
 * no rule needs. Here it is a loop over an explicit stack of frames, so a tree of any depth
 * walks without recursion; the rules' visit/leave methods stay Python and are called
 * exactly as the Python walk calls them, in the same order:
 *
 *   visit methods of a node (its class's entry in `actions`, looked up when it is entered),
 *   then its children, field by field in `fields_of[class]` order, each field read when the
 *   walk reaches it; a list field's items in order; a child is walked when its class is not
 *   in `inert` and it is an instance of `node_base`;
 *   then, when the entry had leave methods, the class's entry is looked up again (a rule
 *   that failed below has been unbound since) and its leave methods are called.
 *
 * A method that raises an Exception is handed to on_error(fn, exc, node) while that
 * exception is being handled (as in an `except` block); anything else (KeyboardInterrupt,
 * SystemExit) and an error of on_error itself stop the walk and propagate.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "_node_fields.h"
#include "_slot_offset.h"

typedef struct {
    PyObject *node;    /* strong */
    PyObject *fields;  /* strong: a tuple of field names */
    PyObject *list;    /* strong while a list field is being walked, else NULL */
    Py_ssize_t field_index;
    Py_ssize_t list_index;
    int has_leave;
} Frame;

typedef struct {
    PyObject *actions;  /* dict: class -> (visits, leaves) */
    PyObject *fields_of;
    PyObject *inert;    /* a set or frozenset of classes */
    PyObject *on_error;
    PyTypeObject *node_base;
    Frame *frames;
    Py_ssize_t depth;
    Py_ssize_t capacity;
    unsigned int since_signals;
} Walk;

/* getattr(obj, name, None) without raising: 1 and a new reference, 0 and NULL, or -1. */
static int optional_attr(PyObject *obj, PyObject *name, PyObject **result)
{
    PyObject *value = shoal_node_field(obj, name);
    if (value != NULL) {
        Py_INCREF(value);
        *result = value;
        return 1;
    }
#if PY_VERSION_HEX >= 0x030D0000
    return PyObject_GetOptionalAttr(obj, name, result);
#else
    return _PyObject_LookupAttr(obj, name, result);
#endif
}

/* The Exception being raised, handed to on_error(fn, exc, node) as an `except` block would
 * hand it over (it is the exception being handled, so an error of on_error chains to it);
 * 0, or -1 with on_error's exception set. */
static int hand_over(PyObject *on_error, PyObject *fn, PyObject *node)
{
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    PyErr_NormalizeException(&type, &value, &tb);
    if (tb != NULL)
        PyException_SetTraceback(value, tb);
    PyObject *saved_type, *saved_value, *saved_tb;
    PyErr_GetExcInfo(&saved_type, &saved_value, &saved_tb);
    Py_XINCREF(type);
    Py_XINCREF(value);
    Py_XINCREF(tb);
    PyErr_SetExcInfo(type, value, tb);
    PyObject *handled = PyObject_CallFunctionObjArgs(on_error, fn, value, node, NULL);
    PyErr_SetExcInfo(saved_type, saved_value, saved_tb);
    Py_XDECREF(type);
    Py_XDECREF(value);
    Py_XDECREF(tb);
    if (handled == NULL)
        return -1;
    Py_DECREF(handled);
    return 0;
}

/* A visit_when entry (analyzer/rules/_guards.Guarded, registered by register_guarded):
 * its slots' offsets, read directly instead of calling its __call__. */
static PyTypeObject *guarded_type;
static Py_ssize_t guarded_predicate, guarded_methods, guarded_on_error;

/* The slot of `entry` at `offset` as a new reference, or NULL with AttributeError. */
static PyObject *guarded_slot(PyObject *entry, Py_ssize_t offset, const char *name)
{
    PyObject *value = *(PyObject **)((char *)entry + offset);
    if (value == NULL) {
        PyErr_Format(PyExc_AttributeError, "'Guarded' object has no attribute '%s'", name);
        return NULL;
    }
    Py_INCREF(value);
    return value;
}

/* Guarded.__call__(entry, node), in C: the predicate once; on a failure of it each method's
 * on_error, on yes each method (a failure to its on_error); 0, or -1 with an exception set
 * where __call__ would have raised. */
static int run_guarded(PyObject *entry, PyObject *node)
{
    PyObject *predicate = guarded_slot(entry, guarded_predicate, "predicate");
    if (predicate == NULL)
        return -1;
    PyObject *hit = PyObject_CallOneArg(predicate, node);
    Py_DECREF(predicate);
    int failed = hit == NULL;
    if (!failed) {
        int yes = PyObject_IsTrue(hit);
        Py_DECREF(hit);
        if (yes <= 0)
            return yes;  /* no: 0; an error of its truth: -1, as __call__ would raise it */
    } else if (!PyErr_ExceptionMatches(PyExc_Exception)) {
        return -1;
    }
    PyObject *type = NULL, *value = NULL, *tb = NULL;
    if (failed) {
        /* The predicate failed: each method fails with that exception. */
        PyErr_Fetch(&type, &value, &tb);
        PyErr_NormalizeException(&type, &value, &tb);
        if (tb != NULL)
            PyException_SetTraceback(value, tb);
    }
    /* Each method as it stands now: one dropped while we call stays called, as tuple(...). */
    PyObject *methods = guarded_slot(entry, guarded_methods, "methods");
    PyObject *snapshot = methods == NULL ? NULL : PySequence_Tuple(methods);
    Py_XDECREF(methods);
    if (snapshot == NULL) {
        if (value != NULL) {
            /* Raised in the predicate's `except` block: it chains to the predicate's error. */
            PyObject *t2, *v2, *tb2;
            PyErr_Fetch(&t2, &v2, &tb2);
            PyErr_NormalizeException(&t2, &v2, &tb2);
            PyException_SetContext(v2, value);  /* steals the reference to value */
            value = NULL;
            PyErr_Restore(t2, v2, tb2);
        }
        Py_XDECREF(type);
        Py_XDECREF(tb);
        return -1;
    }
    int status = 0;
    for (Py_ssize_t i = 0; status == 0 && i < PyTuple_GET_SIZE(snapshot); i++) {
        PyObject *method = PyTuple_GET_ITEM(snapshot, i);
        if (failed) {
            Py_XINCREF(type);
            Py_XINCREF(value);
            Py_XINCREF(tb);
            PyErr_Restore(type, value, tb);
        } else {
            PyObject *result = PyObject_CallOneArg(method, node);
            if (result != NULL) {
                Py_DECREF(result);
                continue;
            }
            if (!PyErr_ExceptionMatches(PyExc_Exception)) {
                status = -1;
                break;
            }
        }
        PyObject *on_error = guarded_slot(entry, guarded_on_error, "on_error");
        if (on_error == NULL) {
            status = -1;
            break;
        }
        status = hand_over(on_error, method, node);
        Py_DECREF(on_error);
    }
    Py_XDECREF(type);
    Py_XDECREF(value);
    Py_XDECREF(tb);
    Py_DECREF(snapshot);
    return status;
}

/* Call each method of `methods` (a sequence) on `node`; 0, or -1 with an exception set. */
static int call_all(Walk *w, PyObject *methods, PyObject *node)
{
    PyObject *seq = PySequence_Fast(methods, "an action's methods must be a sequence");
    if (seq == NULL)
        return -1;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *fn = PySequence_Fast_GET_ITEM(seq, i);
        Py_INCREF(fn);
        int failed;
        if (guarded_type != NULL && Py_IS_TYPE(fn, guarded_type)) {
            failed = run_guarded(fn, node) < 0;
        } else {
            PyObject *result = PyObject_CallOneArg(fn, node);
            failed = result == NULL;
            Py_XDECREF(result);
        }
        if (failed && (!PyErr_ExceptionMatches(PyExc_Exception) || hand_over(w->on_error, fn, node) < 0)) {
            Py_DECREF(fn);
            Py_DECREF(seq);
            return -1;
        }
        Py_DECREF(fn);
    }
    Py_DECREF(seq);
    return 0;
}

/* The entry of `cls` in actions (borrowed, NULL when none); -1 on error. */
static int action_of(Walk *w, PyObject *cls, PyObject **action)
{
    *action = PyDict_GetItemWithError(w->actions, cls);
    if (*action == NULL && PyErr_Occurred())
        return -1;
    return 0;
}

/* One of the action tuple's two slots, as a new reference. */
static PyObject *slot(PyObject *action, Py_ssize_t index)
{
    return PySequence_GetItem(action, index);
}

/* Visit `node` and push its frame; 0, or -1 with an exception set. */
static int enter(Walk *w, PyObject *node)
{
    PyObject *cls = (PyObject *)Py_TYPE(node);
    PyObject *action;
    int has_leave = 0;
    if (action_of(w, cls, &action) < 0)
        return -1;
    if (action != NULL) {
        Py_INCREF(action);  /* on_error may replace the dict's entry while we call */
        PyObject *visits = slot(action, 0);
        if (visits == NULL || call_all(w, visits, node) < 0) {
            Py_XDECREF(visits);
            Py_DECREF(action);
            return -1;
        }
        Py_DECREF(visits);
        PyObject *leaves = slot(action, 1);
        Py_DECREF(action);
        if (leaves == NULL)
            return -1;
        has_leave = PyObject_IsTrue(leaves);
        Py_DECREF(leaves);
        if (has_leave < 0)
            return -1;
    }
    /* fields_of may be a dict subclass that fills itself (__missing__): index it. */
    PyObject *fields = PyDict_CheckExact(w->fields_of) ? PyDict_GetItemWithError(w->fields_of, cls) : NULL;
    if (fields != NULL) {
        Py_INCREF(fields);
    } else {
        if (PyErr_Occurred())
            return -1;
        fields = PyObject_GetItem(w->fields_of, cls);
        if (fields == NULL)
            return -1;
    }
    if (!PyTuple_Check(fields)) {
        PyObject *as_tuple = PySequence_Tuple(fields);
        Py_DECREF(fields);
        if (as_tuple == NULL)
            return -1;
        fields = as_tuple;
    }
    if (w->depth == w->capacity) {
        Py_ssize_t grown = w->capacity ? w->capacity * 2 : 64;
        Frame *frames = PyMem_Realloc(w->frames, (size_t)grown * sizeof(Frame));
        if (frames == NULL) {
            Py_DECREF(fields);
            PyErr_NoMemory();
            return -1;
        }
        w->frames = frames;
        w->capacity = grown;
    }
    Frame *frame = &w->frames[w->depth++];
    Py_INCREF(node);
    frame->node = node;
    frame->fields = fields;
    frame->list = NULL;
    frame->field_index = 0;
    frame->list_index = 0;
    frame->has_leave = has_leave;
    return 0;
}

/* Whether the walk descends into `child`: 1, 0, or -1 with an exception set. */
static int walks_into(Walk *w, PyObject *child)
{
    int inert = PySet_Contains(w->inert, (PyObject *)Py_TYPE(child));
    if (inert != 0)
        return inert < 0 ? -1 : 0;
    return PyObject_TypeCheck(child, w->node_base);
}

/* Leave the top frame: its leave methods, then pop it; 0, or -1 with an exception set. */
static int leave(Walk *w)
{
    Frame *frame = &w->frames[w->depth - 1];
    PyObject *node = frame->node;
    int status = 0;
    if (frame->has_leave) {
        PyObject *action;
        if (action_of(w, (PyObject *)Py_TYPE(node), &action) < 0) {
            status = -1;
        } else if (action != NULL) {
            Py_INCREF(action);
            PyObject *leaves = slot(action, 1);
            Py_DECREF(action);
            if (leaves == NULL || call_all(w, leaves, node) < 0)
                status = -1;
            Py_XDECREF(leaves);
        }
    }
    /* Python code ran above: the frames only move when enter() grows them, but the frame is
     * taken afresh rather than through a pointer kept across that code. */
    frame = &w->frames[--w->depth];
    Py_CLEAR(frame->list);
    Py_DECREF(frame->fields);
    Py_DECREF(frame->node);
    return status;
}

/* Enter `child` when the walk descends into it; 0, or -1 with an exception set. */
static int offer(Walk *w, PyObject *child)
{
    int walks = walks_into(w, child);
    if (walks <= 0)
        return walks;
    if (++w->since_signals >= 4096) {
        /* Rule-free stretches run no bytecode: let Ctrl-C and the stop flag through. */
        w->since_signals = 0;
        if (PyErr_CheckSignals() < 0)
            return -1;
    }
    return enter(w, child);
}

/* One step of the top frame: enter its next child or leave it; 0, or -1 on error. */
static int step(Walk *w)
{
    Frame *frame = &w->frames[w->depth - 1];
    if (frame->list != NULL) {
        if (frame->list_index < PyList_GET_SIZE(frame->list)) {
            PyObject *item = PyList_GET_ITEM(frame->list, frame->list_index);
            frame->list_index++;
            Py_INCREF(item);
            int status = offer(w, item);
            Py_DECREF(item);
            return status;
        }
        Py_CLEAR(frame->list);
    }
    if (frame->field_index >= PyTuple_GET_SIZE(frame->fields))
        return leave(w);
    PyObject *name = PyTuple_GET_ITEM(frame->fields, frame->field_index);
    frame->field_index++;
    PyObject *child;
    if (optional_attr(frame->node, name, &child) < 0)
        return -1;
    if (child == NULL)
        return 0;  /* getattr(node, name, None): None is never walked */
    if (PyList_CheckExact(child)) {
        frame->list = child;  /* the reference moves to the frame */
        frame->list_index = 0;
        return 0;
    }
    int status = offer(w, child);
    Py_DECREF(child);
    return status;
}

static PyObject *walk(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 6) {
        PyErr_SetString(PyExc_TypeError,
                        "walk(root, actions, fields_of, inert, on_error, node_base) takes 6 arguments");
        return NULL;
    }
    if (!PyDict_Check(args[1])) {
        PyErr_SetString(PyExc_TypeError, "actions must be a dict");
        return NULL;
    }
    if (!PyAnySet_Check(args[3])) {
        PyErr_SetString(PyExc_TypeError, "inert must be a set or a frozenset");
        return NULL;
    }
    if (!PyType_Check(args[5])) {
        PyErr_SetString(PyExc_TypeError, "node_base must be a class");
        return NULL;
    }
    Walk w = {args[1], args[2], args[3], args[4], (PyTypeObject *)args[5], NULL, 0, 0, 0};
    int status = enter(&w, args[0]);
    while (status == 0 && w.depth > 0)
        status = step(&w);
    while (w.depth > 0) {  /* after an error: drop what is left, without calling anything */
        Frame *frame = &w.frames[--w.depth];
        Py_CLEAR(frame->list);
        Py_DECREF(frame->fields);
        Py_DECREF(frame->node);
    }
    PyMem_Free(w.frames);
    if (status < 0)
        return NULL;
    Py_RETURN_NONE;
}

/* register_guarded(cls): entries of exactly this class are run in C, through the offsets of
 * its slots `predicate`, `methods` and `on_error` (each a T_OBJECT_EX member). */
static PyObject *register_guarded(PyObject *Py_UNUSED(module), PyObject *cls)
{
    static const char *names[] = {"predicate", "methods", "on_error"};
    Py_ssize_t offsets[3];
    if (!PyType_Check(cls)) {
        PyErr_SetString(PyExc_TypeError, "register_guarded() needs a class");
        return NULL;
    }
    for (int i = 0; i < 3; i++) {
        PyObject *name = PyUnicode_InternFromString(names[i]);
        int found = name == NULL ? -1 : shoal_slot_offset(cls, name, &offsets[i]);
        Py_XDECREF(name);
        if (found < 0)
            return NULL;
    }
    Py_INCREF(cls);
    Py_XSETREF(guarded_type, (PyTypeObject *)cls);
    guarded_predicate = offsets[0];
    guarded_methods = offsets[1];
    guarded_on_error = offsets[2];
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"walk", (PyCFunction)(void (*)(void))walk, METH_FASTCALL,
     "walk(root, actions, fields_of, inert, on_error, node_base): the module rules' ast walk."},
    {"register_guarded", register_guarded, METH_O,
     "register_guarded(cls): run entries of this visit_when class in C, not by calling them."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_walk_native", "The module rules' ast walk in C.", -1, methods,
    NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__walk_native(void)
{
    return PyModule_Create(&module);
}
