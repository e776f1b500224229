import Foundation

/// An exclusive flock(2) on a file, held until `unlock`: makes concurrent glueshim processes provision
/// the cache one at a time. The kernel drops it if the process dies.
struct FileLock {
    private let fd: Int32

    init(path: String) throws(PythonEnvironmentError) {
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw PythonEnvironmentError("glueshim: cannot open the lock file \(path) (\(String(cString: strerror(errno)))); make the cache folder writable or set GLUESHIM_CACHE")
        }
        while flock(fd, LOCK_EX) != 0 {
            if errno == EINTR { continue }
            let cause = String(cString: strerror(errno))
            close(fd)
            throw PythonEnvironmentError("glueshim: cannot lock \(path) (\(cause)); put the cache on a local file system (GLUESHIM_CACHE)")
        }
    }

    func unlock() {
        flock(fd, LOCK_UN)
        close(fd)
    }
}
