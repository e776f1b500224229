#ifndef GLUESHIM_CPYTHON_SHIM_H
#define GLUESHIM_CPYTHON_SHIM_H

// Python.h's pyconfig.h turns on _GNU_SOURCE/_XOPEN_SOURCE, which changes how glibc declares
// some types (fd_set's member is `fds_bits` instead of `__fds_bits`). Swift's own C modules
// (Glibc, Dispatch) see glibc with its default features, and clang rejects two modules that
// define one type differently. Including glibc's headers first, with the default features,
// keeps every definition identical; Python's embedding API does not need the extensions.
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <limits.h>
#include <wchar.h>
#include <time.h>
#include <signal.h>
#include <unistd.h>
#include <sys/types.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/select.h>

#define PY_SSIZE_T_CLEAN
#include <Python.h>


// Swift cannot import Python's macros or its C globals (they are not concurrency-safe),
// so the few the host needs are wrapped here as static inline functions.

static inline PyObject *glueshim_Py_None(void) { return Py_None; }
static inline void glueshim_Py_IncRef(PyObject *o) { Py_XINCREF(o); }
static inline void glueshim_Py_DecRef(PyObject *o) { Py_XDECREF(o); }
static inline int glueshim_Py_file_input(void) { return Py_file_input; }

// The /tmp sandbox. unshare(2) is declared only with _GNU_SOURCE and mount(2) in <sys/mount.h>;
// including those headers here clashes with Swift's own Glibc module (different struct layouts under
// pyconfig.h's feature macros), so the two calls are declared directly and the constants spelled out
// (values from <linux/sched.h> and <linux/mount.h>, part of the kernel ABI).
extern int unshare(int flags);
extern int mount(const char *source, const char *target, const char *fstype, unsigned long flags, const void *data);

static inline int glueshim_unshare_mount_ns(int with_user_ns) {
    const int clone_newns = 0x00020000, clone_newuser = 0x10000000;
    return unshare(clone_newns | (with_user_ns ? clone_newuser : 0));
}
static inline int glueshim_make_root_private(void) {
    const unsigned long ms_rec = 16384, ms_private = 1UL << 18;
    return mount(NULL, "/", NULL, ms_rec | ms_private, NULL);
}
static inline int glueshim_bind_mount(const char *source, const char *target) {
    const unsigned long ms_bind = 4096, ms_rec = 16384;
    return mount(source, target, NULL, ms_bind | ms_rec, NULL);
}

// Read-only everywhere but /tmp: a bind remount keeps the mount's other flags (nosuid, nodev,
// noexec, atime), which a user namespace must not drop.
static inline int glueshim_remount_read_only(const char *target, unsigned long kept_flags) {
    const unsigned long ms_rdonly = 1, ms_remount = 32, ms_bind = 4096;
    return mount(NULL, target, NULL, ms_remount | ms_bind | ms_rdonly | kept_flags, NULL);
}

// The worker's own PID namespace: the script's processes see only each other in a /proc of their
// own, never the host's or the user's other processes (whose /proc/PID/environ could hold secrets).
static inline int glueshim_unshare_pid_ns(void) {
    const int clone_newpid = 0x20000000;
    return unshare(clone_newpid);
}
static inline int glueshim_mount_proc(void) {
    const unsigned long ms_nosuid = 2, ms_nodev = 4, ms_noexec = 8;
    return mount("proc", "/proc", "proc", ms_nosuid | ms_nodev | ms_noexec, NULL);
}
static inline pid_t glueshim_fork(void) { return fork(); }

// The namespace's first process waits for the script's; signals the host sends it (SIGINT to
// interrupt a session statement, SIGTERM) are passed on.
static volatile pid_t glueshim_forward_target = 0;
static void glueshim_forward_signal(int sig) {
    if (glueshim_forward_target > 0) kill(glueshim_forward_target, sig);
}
static inline void glueshim_forward_signals_to(pid_t pid) {
    glueshim_forward_target = pid;
    signal(SIGINT, glueshim_forward_signal);
    signal(SIGTERM, glueshim_forward_signal);
    signal(SIGHUP, glueshim_forward_signal);
    signal(SIGQUIT, glueshim_forward_signal);
    signal(SIGUSR1, glueshim_forward_signal);
    signal(SIGUSR2, glueshim_forward_signal);
}

#endif
