/* The offset of a `__slots__` member of a class, for C code that reads or writes the slots of
 * a Python class's instances directly (the facts records' RecordBase, the rules' walk reading
 * visit_when entries). Shared so that both accept exactly the same members.
 */
#ifndef SHOAL_SLOT_OFFSET_H
#define SHOAL_SLOT_OFFSET_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>

/* `cls.name` as a writable object slot (a T_OBJECT_EX member, as `__slots__` makes): 0 and
 * its offset in `*offset`, or -1 with an exception set (TypeError when it is not one). */
static int shoal_slot_offset(PyObject *cls, PyObject *name, Py_ssize_t *offset)
{
    PyObject *descr = PyObject_GetAttr(cls, name);
    if (descr == NULL)
        return -1;
    int is_slot = Py_IS_TYPE(descr, &PyMemberDescr_Type)
        && ((PyMemberDescrObject *)descr)->d_member->type == T_OBJECT_EX
        && !(((PyMemberDescrObject *)descr)->d_member->flags & READONLY);
    if (is_slot)
        *offset = ((PyMemberDescrObject *)descr)->d_member->offset;
    Py_DECREF(descr);
    if (!is_slot) {
        PyErr_Format(PyExc_TypeError, "%R is not a slot of %R", name, cls);
        return -1;
    }
    return 0;
}

#endif
