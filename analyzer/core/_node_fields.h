/* Reading a field of an ast node from its instance dict, for the C walks (the rules' walk,
 * the scope analysis' dispatch, the facts walk).
 *
 * Why: getattr on a node looks the name up in its class's attribute cache, then in the
 * instance dict; the three walks' reads were 3.7% of a cold check's instructions (callgrind,
 * inclusive), and reading the dict first took 1.0% of them off. A parsed node holds every
 * field in its instance dict, and where no class of the node's type defines a data
 * descriptor (a property, a slot) under the name, a hit there is exactly what getattr
 * returns. So a read looks there first when
 * the type is "plain": no class of its MRO but object defines a data descriptor under a name
 * that does not start with "__" (true of every ast class). That answer is cached by the
 * type's version tag, which the interpreter renews whenever a class of the MRO changes. A
 * miss (a field the node lacks: the class's default, or an AttributeError), any type that is
 * not plain and any type without a valid version tag go through getattr as before.
 */
#ifndef SHOAL_NODE_FIELDS_H
#define SHOAL_NODE_FIELDS_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#define SHOAL_PLAIN_SLOTS 512

/* version tag -> 1 plain, 2 not plain; a slot holds the tag it answers for */
static unsigned int shoal_plain_tag[SHOAL_PLAIN_SLOTS];
static unsigned char shoal_plain_answer[SHOAL_PLAIN_SLOTS];

static int shoal_type_is_plain(PyTypeObject *type)
{
    PyObject *mro = type->tp_mro;
    if (mro == NULL || !PyTuple_Check(mro))
        return 0;
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(mro); i++) {
        PyTypeObject *base = (PyTypeObject *)PyTuple_GET_ITEM(mro, i);
        if (base == &PyBaseObject_Type)
            continue;
        /* A static builtin type's dict may live elsewhere (3.12+): not plain, to be safe. */
        PyObject *dict = base->tp_dict;
        if (dict == NULL || !PyDict_Check(dict))
            return 0;
        PyObject *key, *value;
        Py_ssize_t pos = 0;
        while (PyDict_Next(dict, &pos, &key, &value)) {
            if (!PyUnicode_Check(key))
                return 0;
            if (Py_TYPE(value)->tp_descr_set == NULL)
                continue;
            if (PyUnicode_GET_LENGTH(key) >= 2 && PyUnicode_READ_CHAR(key, 0) == '_'
                    && PyUnicode_READ_CHAR(key, 1) == '_')
                continue;
            return 0;
        }
    }
    return 1;
}

/* The value of `name` in `node`'s instance dict (borrowed), or NULL without an exception
 * when the caller must ask getattr instead. */
static inline PyObject *shoal_node_field(PyObject *node, PyObject *name)
{
    PyTypeObject *type = Py_TYPE(node);
    unsigned int tag = type->tp_version_tag;
    if (tag == 0 || type->tp_getattro != PyObject_GenericGetAttr || type->tp_dictoffset <= 0
#ifdef Py_TPFLAGS_VALID_VERSION_TAG
            || !PyType_HasFeature(type, Py_TPFLAGS_VALID_VERSION_TAG)
#endif
    )
        return NULL;
    unsigned int slot = tag % SHOAL_PLAIN_SLOTS;
    if (shoal_plain_tag[slot] != tag) {
        shoal_plain_answer[slot] = shoal_type_is_plain(type) ? 1 : 2;
        shoal_plain_tag[slot] = tag;
    }
    if (shoal_plain_answer[slot] != 1)
        return NULL;
    PyObject *dict = *(PyObject **)((char *)node + type->tp_dictoffset);
    if (dict == NULL || !PyDict_CheckExact(dict))
        return NULL;
    PyObject *value = PyDict_GetItemWithError(dict, name);
    if (value == NULL && PyErr_Occurred())
        PyErr_Clear();  /* only an unhashable name raises: getattr will say so */
    return value;
}

/* getattr(node, name) as a new reference, its instance dict first; NULL with an exception
 * set. */
static inline PyObject *shoal_node_getattr(PyObject *node, PyObject *name)
{
    PyObject *value = shoal_node_field(node, name);
    if (value != NULL) {
        Py_INCREF(value);
        return value;
    }
    return PyObject_GetAttr(node, name);
}

#endif
