import Testing
@testable import Jobs

@Suite struct TaskStatusTests {
    @Test func transitions() {
        #expect(TaskStatus.pending.canMove(to: .running) && TaskStatus.pending.canMove(to: .stopped))
        #expect(!TaskStatus.pending.canMove(to: .success) && !TaskStatus.pending.canMove(to: .error))
        for next in [TaskStatus.success, .error, .stopped, .pending] { #expect(TaskStatus.running.canMove(to: next)) }
        for final in [TaskStatus.success, .error, .stopped] {
            #expect(final.isFinal)
            #expect(TaskStatus.allCases.allSatisfy { !final.canMove(to: $0) }, "\(final) is final")
        }
    }

    @Test func executionStatusFromTasks() {
        #expect(TaskStatus.aggregate([]) == .success)
        #expect(TaskStatus.aggregate([.pending, .pending]) == .pending)
        #expect(TaskStatus.aggregate([.pending, .success]) == .running)
        #expect(TaskStatus.aggregate([.running, .error]) == .running)
        #expect(TaskStatus.aggregate([.success, .error, .stopped]) == .error)
        #expect(TaskStatus.aggregate([.success, .stopped]) == .stopped)
        #expect(TaskStatus.aggregate([.success, .success]) == .success)
    }

    @Test func logKeepsItsTailAndSaysWhatWasDropped() {
        let log = TaskLog(text: "tail\n", totalLength: 105)
        #expect(log.droppedLength == 100)
        #expect(log.rendered.hasPrefix("[the first 100 characters of this log were dropped") && log.rendered.hasSuffix("tail\n"))
        #expect(TaskLog(text: "all\n", totalLength: 4).rendered == "all\n")
    }
}
