import Testing
@testable import Services

/// The in-process single flight of layer reads: one reader per layer, waiters released when it
/// ends, only by it, and a cancelled waiter released at once.
@Suite struct LayerReadsTests {
    @Test func oneReaderWaitersReleasedOnlyByIt() async throws {
        let reads = LayerReads()
        #expect(await reads.waitOrBegin("layer", owner: 1) == false, "the first caller reads")
        #expect(await reads.waitOrBegin("layer", owner: 1) == false, "and stays the reader")
        let waiter = Task { await reads.waitOrBegin("layer", owner: 2) }
        try await Task.sleep(for: .milliseconds(100))
        await reads.end("layer", owner: 3)   // not the reader: nothing happens
        #expect(await reads.waitOrBegin("layer", owner: 1) == false, "1 is still the reader")
        await reads.end("layer", owner: 1)
        #expect(await waiter.value == true, "released when the reader ended")
        #expect(await reads.waitOrBegin("layer", owner: 2) == false, "the next caller reads")
    }

    @Test func aCancelledWaiterStopsWaiting() async throws {
        let reads = LayerReads()
        _ = await reads.waitOrBegin("base", owner: 1)
        let waiter = Task { await reads.waitOrBegin("base", owner: 2) }
        try await Task.sleep(for: .milliseconds(100))
        waiter.cancel()
        #expect(await waiter.value == true)
        // The reader is still the reader.
        let other = Task { await reads.waitOrBegin("base", owner: 3) }
        try await Task.sleep(for: .milliseconds(100))
        await reads.end("base", owner: 1)
        #expect(await other.value == true)
    }
}
