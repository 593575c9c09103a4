import Foundation
import FuzzSupport
import OCI

/// A manifest or index as `PUT /v2/<name>/manifests/<reference>` reads it: `Manifest(bytes:contentType:)`,
/// then what the handler and the policy gates take from it. An input that starts with `@` carries
/// the request's Content-Type on its first line (`@application/vnd.oci.image.index.v1+json\n{...}`);
/// otherwise the body has no Content-Type.
///
/// Properties of an accepted manifest: its media type is a manifest or index type (it is served back
/// as Content-Type); every descriptor has a valid digest that prints back to the same text, a size of
/// at least zero and a media type; an index has no config and no layers, an image a config and no
/// child manifests; and the fields, written out again as JSON, parse to the same manifest.
@main
enum FuzzManifest {
    static func main() {
        FuzzMain.run { input in
            var body = Array(input)
            var contentType: String?
            if body.first == UInt8(ascii: "@") {
                let end = body.firstIndex(of: UInt8(ascii: "\n")) ?? body.endIndex
                contentType = String(decoding: body[1..<end], as: UTF8.self)
                body = Array(body[min(end + 1, body.endIndex)...])
            }
            _ = CosignSignature.signedDigest(in: body)
            guard let manifest = try? Manifest(bytes: body, contentType: contentType) else { return }
            check(manifest)
            let again: Manifest
            do {
                again = try Manifest(bytes: rewritten(manifest), contentType: manifest.mediaType)
            } catch {
                fatalError("a manifest written out again is refused: \(error)")
            }
            guard again.kind == manifest.kind, again.mediaType == manifest.mediaType, again.config == manifest.config,
                  again.layers == manifest.layers, again.manifests == manifest.manifests, again.subject == manifest.subject,
                  again.annotations == manifest.annotations, again.artifactType == manifest.artifactType
            else { fatalError("a manifest written out again parses differently") }
        }
    }

    static func check(_ manifest: Manifest) {
        guard MediaType.manifestTypes.contains(manifest.mediaType) || MediaType.indexTypes.contains(manifest.mediaType) else {
            fatalError("accepted media type \(manifest.mediaType) is not a manifest or index type")
        }
        switch manifest.kind {
        case .index:
            guard manifest.config == nil, manifest.layers.isEmpty else { fatalError("an index with a config or layers") }
        case .image:
            guard manifest.config != nil, manifest.manifests.isEmpty else { fatalError("an image without config, or with children") }
        }
        let descriptors = [manifest.config, manifest.subject].compactMap { $0 } + manifest.layers + manifest.manifests
        for descriptor in descriptors {
            guard let digest = try? descriptor.validDigest() else { fatalError("accepted an invalid digest \(descriptor.digest)") }
            guard digest.description == descriptor.digest else { fatalError("digest \(descriptor.digest) prints as \(digest)") }
            guard descriptor.size >= 0, !descriptor.mediaType.isEmpty else { fatalError("accepted a descriptor without size or type") }
        }
        guard manifest.requiredBlobs.count == manifest.requiredBlobDescriptors.count,
              manifest.requiredManifests.count == manifest.manifests.count,
              (manifest.subject == nil) == (manifest.subjectDigest == nil)
        else { fatalError("a validated digest did not parse again") }
        // What the registry and the API go on to read from a stored manifest.
        _ = manifest.isContainerImage
        _ = AccessoryType.of(manifest)
        _ = CosignSignature.signatures(in: manifest)
        if let subject = manifest.subjectDigest {
            for tag in Manifest.referrerFallbackTags(of: subject) where (try? Tag(tag)) == nil {
                fatalError("referrers fallback tag \(tag) is not a valid tag")
            }
        }
    }

    /// The parsed fields as a manifest of their own.
    static func rewritten(_ manifest: Manifest) -> [UInt8] {
        struct Body: Encodable {
            var schemaVersion = 2
            var mediaType: String
            var artifactType: String?
            var config: Descriptor?
            var layers: [Descriptor]?
            var manifests: [Descriptor]?
            var subject: Descriptor?
            var annotations: [String: String]?
        }
        let body = Body(mediaType: manifest.mediaType, artifactType: manifest.artifactType, config: manifest.config,
                        layers: manifest.kind == .image ? manifest.layers : nil,
                        manifests: manifest.kind == .index ? manifest.manifests : nil,
                        subject: manifest.subject, annotations: manifest.annotations)
        do {
            return Array(try JSONEncoder().encode(body))
        } catch {
            fatalError("an accepted manifest cannot be written as JSON: \(error)")
        }
    }
}
