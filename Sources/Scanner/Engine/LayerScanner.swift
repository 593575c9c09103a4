/// Reads one layer stream into a `LayerResult`: decode, parse tar, run analyzers, enforce limits.
struct LayerScanner {
    let analyzers: [any FileAnalyzer]
    let limits: ScanLimits

    func scan(_ content: ByteStream, label: String) async throws -> LayerResult {
        let decoder = LayerDecoder()
        var parser = TarParser(limits: limits)
        var session = LayerScanSession(analyzers: analyzers, limits: limits)
        let context = AnalysisContext(limits: limits)
        var stoppedEarly = false
        do {
            for try await chunk in content {
                try decoder.push(chunk) { piece in try parser.push(piece, into: &session) }
                for file in session.takeCompleted() {
                    await analyze(file, into: &session.result, context: context)
                }
                if parser.isFinished { break }
                if decoder.uncompressedBytes > limits.maxLayerBytes {
                    session.warn("layer \(label): stopped after \(decoder.uncompressedBytes) uncompressed bytes (limit \(limits.maxLayerBytes)); the rest was not scanned")
                    stoppedEarly = true
                    break
                }
                if decoder.uncompressedBytes > limits.ratioCheckAfterBytes,
                   decoder.uncompressedBytes / max(decoder.compressedBytes, 1) > limits.maxCompressionRatio {
                    session.warn("layer \(label): looks like a decompression bomb (\(decoder.compressedBytes) bytes expand past \(decoder.uncompressedBytes)); the rest was not scanned")
                    stoppedEarly = true
                    break
                }
            }
            if !stoppedEarly && !parser.isFinished {
                try decoder.finish { piece in try parser.push(piece, into: &session) }
                if parser.isMidEntry { throw ScanError.corruptLayer("tar stream ends inside an entry (truncated layer)") }
            }
        } catch TarParser.Failure.tooManyEntries {
            session.warn("layer \(label): more than \(limits.maxEntriesPerLayer) entries; the rest was not scanned")
            stoppedEarly = true
        } catch TarParser.Failure.badHeader(let message) {
            session.warn("layer \(label): \(message); the rest was not scanned")
            stoppedEarly = true
        } catch is ScanError where parser.isFinished {
            // Damage after the tar stream's end, in the chunk that held the end: nothing was missed
            // (had the chunk ended with the tar stream, it would not have been read at all).
        } catch let error as ScanError {
            session.warn("layer \(label): \(error); the rest was not scanned")
            stoppedEarly = true
        }
        for file in session.takeCompleted() {
            await analyze(file, into: &session.result, context: context)
        }
        var result = session.result
        result.warnings.append(contentsOf: context.warnings.prefix(200))
        result.bytesRead = decoder.uncompressedBytes
        result.complete = !stoppedEarly
        return result
    }

    private func analyze(_ file: LayerScanSession.PendingFile, into result: inout LayerResult, context: AnalysisContext) async {
        var merged = FileFinding()
        var any = false
        for index in file.analyzers {
            do {
                if let finding = try await analyzers[index].analyze(path: file.path, content: file.content, context: context) {
                    merged.packages += finding.packages
                    merged.ownedFiles += finding.ownedFiles
                    merged.os = merged.os ?? finding.os
                    any = true
                }
            } catch {
                context.warn("\(file.path): \(error)")
            }
        }
        if any { result.findings[file.path] = merged }
    }
}
