// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "berth",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "berth", targets: ["berth"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/vapor/sql-kit.git", from: "3.36.0"),
        .package(url: "https://github.com/vapor/sqlite-kit.git", from: "4.5.2"),
        .package(url: "https://github.com/vapor/postgres-kit.git", from: "2.17.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/weichsel/ZIPFoundation.git", from: "0.9.20"),
        .package(url: "https://github.com/vapor/sqlite-nio.git", from: "1.13.2"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
    ],
    targets: [
        .target(name: "OCI", dependencies: [
            "CSHA256State",
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        // BoringSSL's SHA-256 with a state that can be saved (see its header for why and how).
        .target(name: "CSHA256State"),
        .target(name: "BlobStore", dependencies: [
            "OCI",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        // Harbor's doublestar patterns and selectors (retention, immutability, replication filters).
        .target(name: "Selectors"),
        // The text of requests parsed to plain values: the `Authorization` header, token scopes and
        // Harbor's `q` query. No dependencies, so the fuzz targets for them build in seconds.
        .target(name: "RequestGrammar"),
        .target(name: "Metadata", dependencies: [
            "OCI", "Selectors",
            .product(name: "SQLKit", package: "sql-kit"),
            .product(name: "SQLiteKit", package: "sqlite-kit"),
            .product(name: "PostgresKit", package: "postgres-kit"),
            .product(name: "PostgresNIO", package: "postgres-nio"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
        ]),
        .target(name: "Access", dependencies: [
            "Metadata", "RequestGrammar",
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "CryptoExtras", package: "swift-crypto"),
            .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
        ]),
        // Layer decompression with only what a fresh Debian machine has: zlib's headers
        // (zlib1g-dev) and libzstd.so.1, loaded at run time (see docs/architecture.md).
        .systemLibrary(name: "CScanZlib", providers: [.apt(["zlib1g-dev"])]),
        .target(name: "CScanZstd"),
        .target(name: "Scanner", dependencies: [
            "OCI", "CScanZlib", "CScanZstd",
            .product(name: "Yams", package: "Yams"),
            .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            .product(name: "SQLiteNIO", package: "sqlite-nio"),
        ]),
        .target(name: "Jobs", dependencies: [
            "Metadata",
            .product(name: "SQLKit", package: "sql-kit"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
        ]),
        // Outgoing HTTP to other registries and download servers (AsyncHTTPClient): the token
        // dance, manifests, blobs streamed to files. Advisory import now; replication, proxy cache.
        .target(name: "RemoteRegistry", dependencies: [
            "OCI",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
        ]),
        // S3-compatible object storage: SigV4 signing and the REST calls, over AsyncHTTPClient
        // (no S3 package is available to the build).
        .target(name: "S3Storage", dependencies: [
            "BlobStore",
            .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
        ]),
        // An LDAPv3 client over SwiftNIO (BER, RFC 4515 filters, bind, search, StartTLS and
        // LDAPS): the static release binary in its minimal image has no libldap to load.
        .target(name: "LDAP", dependencies: [
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
        ]),
        // Sign-in through an LDAP directory or an OpenID provider: their settings, look-ups,
        // discovery, keys and the token endpoint.
        .target(name: "Directory", dependencies: [
            "Access", "LDAP", "Metadata", "RemoteRegistry",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
        ]),
        .target(name: "Services", dependencies: [
            "OCI", "BlobStore", "Metadata", "Jobs", "Scanner", "Selectors", "RemoteRegistry",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
        ]),
        .target(name: "Registry", dependencies: [
            "OCI", "BlobStore", "Metadata", "Access",
            .product(name: "Hummingbird", package: "hummingbird"),
        ]),
        .target(name: "HarborAPI", dependencies: [
            "OCI", "Metadata", "Access", "Directory", "LDAP", "Jobs", "Services", "Selectors", "RemoteRegistry", "Scanner", "RequestGrammar",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Yams", package: "Yams"),
        ]),
        // The web portal: plain JavaScript and CSS under Sources/Portal/Assets, built into the
        // binary as string literals at build time (see docs/architecture.md).
        .target(name: "Portal", dependencies: [
            .product(name: "Hummingbird", package: "hummingbird"),
        ], exclude: ["Assets"], plugins: ["EmbedPortalAssets"]),
        .executableTarget(name: "PortalAssetEmbedder"),
        .plugin(name: "EmbedPortalAssets", capability: .buildTool(), dependencies: ["PortalAssetEmbedder"]),
        .target(name: "BerthServer", dependencies: [
            "OCI", "BlobStore", "S3Storage", "Metadata", "Access", "Directory", "Jobs", "Services", "Registry", "HarborAPI", "RemoteRegistry", "Portal",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdCore", package: "hummingbird"),
            .product(name: "HummingbirdTLS", package: "hummingbird"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "X509", package: "swift-certificates"),
            .product(name: "SwiftASN1", package: "swift-asn1"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Yams", package: "Yams"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
            .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
        ]),
        .executableTarget(name: "berth", dependencies: [
            "BerthServer", "HarborAPI", "Scanner", "Jobs", "Services", "Metadata", "RemoteRegistry",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ], linkerSettings: [
            // Release binaries carry no symbol tables or debug info (125 MB -> see README).
            .unsafeFlags(["-Xlinker", "--strip-all"], .when(configuration: .release)),
        ]),
        // Fresh SQLite files and PostgreSQL databases for tests; not part of the binary.
        .target(name: "BerthTestSupport", dependencies: [
            "Metadata", "BerthServer", "OCI",
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "HummingbirdTesting", package: "hummingbird"),
            .product(name: "PostgresNIO", package: "postgres-nio"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // Fuzz targets (docs/reliability.md, "Fuzzing"): libFuzzer fuzzers when bench/fuzz builds them
        // with -sanitize=fuzzer -DFUZZING, corpus replayers in an ordinary build.
        .target(name: "FuzzSupport", path: "fuzz/targets/FuzzSupport"),
        .executableTarget(name: "FuzzManifest", dependencies: ["FuzzSupport", "OCI"], path: "fuzz/targets/FuzzManifest"),
        .executableTarget(name: "FuzzReference", dependencies: ["FuzzSupport", "OCI"], path: "fuzz/targets/FuzzReference"),
        .executableTarget(name: "FuzzScope", dependencies: ["FuzzSupport", "RequestGrammar"], path: "fuzz/targets/FuzzScope"),
        .executableTarget(name: "FuzzAuthorization", dependencies: ["FuzzSupport", "RequestGrammar"], path: "fuzz/targets/FuzzAuthorization"),
        .executableTarget(name: "FuzzHarborQuery", dependencies: ["FuzzSupport", "RequestGrammar"], path: "fuzz/targets/FuzzHarborQuery"),
        .executableTarget(name: "FuzzLayer", dependencies: ["FuzzSupport", "Scanner"], path: "fuzz/targets/FuzzLayer"),
        .executableTarget(name: "FuzzOSV", dependencies: ["FuzzSupport", "Scanner"], path: "fuzz/targets/FuzzOSV"),
        .testTarget(name: "OCITests", dependencies: ["OCI"]),
        .testTarget(name: "SelectorsTests", dependencies: ["Selectors"]),
        .testTarget(name: "RequestGrammarTests", dependencies: ["RequestGrammar"]),
        .testTarget(name: "JobsTests", dependencies: ["Jobs", "Metadata", "BerthTestSupport"]),
        .testTarget(name: "ServicesTests", dependencies: [
            "Services", "Jobs", "BerthServer", "BerthTestSupport", "Metadata", "BlobStore", "OCI",
            .product(name: "HummingbirdTesting", package: "hummingbird"),
        ]),
        .testTarget(name: "ScannerTests", dependencies: ["Scanner", "BerthTestSupport"]),
        .testTarget(name: "BlobStoreTests", dependencies: ["BlobStore", "S3Storage"]),
        .testTarget(name: "S3StorageTests", dependencies: [
            "S3Storage", "BerthTestSupport",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdTesting", package: "hummingbird"),
        ]),
        .testTarget(name: "LDAPTests", dependencies: [
            "LDAP", "BerthTestSupport",
            // The client's pipeline is tested on an EmbeddedChannel, with time moved by hand.
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOEmbedded", package: "swift-nio"),
        ]),
        .testTarget(name: "MetadataTests", dependencies: ["Metadata", "BerthTestSupport"]),
        .testTarget(name: "AccessTests", dependencies: [
            "Access", "BerthTestSupport", .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
        ]),
        .testTarget(name: "BerthServerTests", dependencies: ["BerthServer", "Portal", .product(name: "X509", package: "swift-certificates")]),
        .testTarget(name: "HarborAPITests", dependencies: [
            "HarborAPI", "BerthServer", "BerthTestSupport", "Access", "Metadata", "Services", "Scanner", "OCI",
            .product(name: "HummingbirdTesting", package: "hummingbird"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "Yams", package: "Yams"),
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        .testTarget(name: "RemoteRegistryTests", dependencies: [
            "RemoteRegistry", "BerthServer", "BerthTestSupport", "OCI",
            .product(name: "HummingbirdTesting", package: "hummingbird"),
        ]),
        .testTarget(name: "RegistryTests", dependencies: [
            "Registry", "BerthServer", "BerthTestSupport",
            .product(name: "HummingbirdTesting", package: "hummingbird"),
        ]),
    ]
)
