// The listening socket, bound here rather than by libmicrohttpd: a failed bind then reports the
// system's reason ("Address already in use") instead of only logging it, and the bound port is
// known without libmicrohttpd's variadic MHD_get_daemon_info.

import Glibc

struct ListeningSocket {
    let descriptor: Int32
    let port: Int
    let isIPv6: Bool

    static func bind(host: String, port: Int) throws(HTTPServerError) -> ListeningSocket {
        guard (0...65535).contains(port) else { throw .invalidPort(port) }
        let literal = host == "localhost" ? "127.0.0.1" : host
        var storage = sockaddr_storage()
        let isIPv6: Bool
        let addressLength: Int
        if withUnsafeMutableBytes(of: &storage, { setIPv4(literal, port: port, into: $0) }) {
            (isIPv6, addressLength) = (false, MemoryLayout<sockaddr_in>.size)
        } else if withUnsafeMutableBytes(of: &storage, { setIPv6(literal, port: port, into: $0) }) {
            (isIPv6, addressLength) = (true, MemoryLayout<sockaddr_in6>.size)
        } else {
            throw .invalidHost(host)
        }
        let display = isIPv6 ? "[\(literal)]:\(port)" : "\(literal):\(port)"
        func failure(_ call: String) -> HTTPServerError {
            .socketFailed(call: call, address: display, reason: String(cString: strerror(errno)))
        }

        let type = Int32(SOCK_STREAM.rawValue | SOCK_NONBLOCK.rawValue | SOCK_CLOEXEC.rawValue)
        let descriptor = socket(isIPv6 ? AF_INET6 : AF_INET, type, 0)
        guard descriptor >= 0 else { throw failure("socket") }
        // Lets a restarted server bind while connections of the previous one sit in TIME_WAIT.
        var one: Int32 = 1
        setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        let bound = withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.bind(descriptor, $0, socklen_t(addressLength))
            }
        }
        guard bound == 0, listen(descriptor, SOMAXCONN) == 0 else {
            let error = failure(bound == 0 ? "listen" : "bind")
            Glibc.close(descriptor)
            throw error
        }
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        let networkPort = withUnsafeBytes(of: &storage) { bytes in
            isIPv6 ? bytes.load(as: sockaddr_in6.self).sin6_port : bytes.load(as: sockaddr_in.self).sin_port
        }
        return ListeningSocket(descriptor: descriptor, port: Int(UInt16(bigEndian: networkPort)), isIPv6: isIPv6)
    }

    func close() { Glibc.close(descriptor) }
}

private func setIPv4(_ host: String, port: Int, into storage: UnsafeMutableRawBufferPointer) -> Bool {
    let address = storage.baseAddress!.assumingMemoryBound(to: sockaddr_in.self)
    guard inet_pton(AF_INET, host, &address.pointee.sin_addr) == 1 else { return false }
    address.pointee.sin_family = sa_family_t(AF_INET)
    address.pointee.sin_port = UInt16(port).bigEndian
    return true
}

private func setIPv6(_ host: String, port: Int, into storage: UnsafeMutableRawBufferPointer) -> Bool {
    let address = storage.baseAddress!.assumingMemoryBound(to: sockaddr_in6.self)
    guard inet_pton(AF_INET6, host, &address.pointee.sin6_addr) == 1 else { return false }
    address.pointee.sin6_family = sa_family_t(AF_INET6)
    address.pointee.sin6_port = UInt16(port).bigEndian
    return true
}
