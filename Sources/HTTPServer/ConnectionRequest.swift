// Reads a request's method, path, query, headers and client address out of libmicrohttpd, which
// has already split the query from the path and percent-decoded both.

import CMicroHTTPD
import Glibc

extension HTTPRequest {
    init(connection: OpaquePointer, url: UnsafePointer<CChar>?, method: UnsafePointer<CChar>?, body: [UInt8]) {
        var headers: Pairs = []
        withUnsafeMutablePointer(to: &headers) {
            _ = MHD_get_connection_values_n(connection, .HEADER_KIND, collectHeader, $0)
        }
        var query: Pairs = []
        withUnsafeMutablePointer(to: &query) {
            _ = MHD_get_connection_values_n(connection, .GET_ARGUMENT_KIND, collectArgument, $0)
        }
        self.init(
            method: method.map { String(cString: $0) } ?? "", path: url.map { String(cString: $0) } ?? "",
            query: Dictionary(query, uniquingKeysWith: { first, _ in first }), lowercasedHeaders: headers,
            body: body, remoteAddress: clientAddress(connection))
    }
}

private typealias Pairs = [(name: String, value: String)]

private func collectHeader(
    pairs: UnsafeMutableRawPointer?, kind: MHD_ValueKind, key: UnsafePointer<CChar>?, keySize: Int,
    value: UnsafePointer<CChar>?, valueSize: Int
) -> MHD_Result {
    let name = String(unsafeUninitializedCapacity: keySize) { output in
        for index in 0..<keySize {
            let byte = UInt8(bitPattern: key![index])
            output[index] = (0x41...0x5A).contains(byte) ? byte + 0x20 : byte
        }
        return keySize
    }
    pairs!.assumingMemoryBound(to: Pairs.self).pointee.append((name, string(value, valueSize)))
    return .YES
}

private func collectArgument(
    pairs: UnsafeMutableRawPointer?, kind: MHD_ValueKind, key: UnsafePointer<CChar>?, keySize: Int,
    value: UnsafePointer<CChar>?, valueSize: Int
) -> MHD_Result {
    pairs!.assumingMemoryBound(to: Pairs.self).pointee.append((string(key, keySize), string(value, valueSize)))
    return .YES
}

/// A query argument without "=" has no value; it reads as "".
private func string(_ bytes: UnsafePointer<CChar>?, _ count: Int) -> String {
    guard let bytes else { return "" }
    return String(decoding: UnsafeRawBufferPointer(start: bytes, count: count), as: UTF8.self)
}

private func clientAddress(_ connection: OpaquePointer) -> String {
    guard let address = spark_MHD_get_connection_info(connection, .CONNECTION_INFO_CLIENT_ADDRESS)?.pointee.client_addr
    else { return "" }
    var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
    switch Int32(address.pointee.sa_family) {
    case AF_INET:
        address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { ipv4 in
            var bytes = ipv4.pointee.sin_addr
            _ = inet_ntop(AF_INET, &bytes, &text, socklen_t(text.count))
        }
    case AF_INET6:
        address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { ipv6 in
            var bytes = ipv6.pointee.sin6_addr
            _ = inet_ntop(AF_INET6, &bytes, &text, socklen_t(text.count))
        }
    default:
        return ""
    }
    return text.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
}
