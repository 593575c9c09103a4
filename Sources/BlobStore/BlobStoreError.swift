import OCI

public enum BlobStoreError: Error, Equatable, Sendable {
    case blobUnknown(Digest)
    case uploadUnknown(String)
    /// A chunk did not start where the session ends; carries the session's current size.
    case rangeInvalid(currentSize: Int64)
    case digestMismatch(expected: Digest, actual: Digest)
    case sizeMismatch(expected: Int64, actual: Int64)
    case uploadBusy(String)
}
