import ArgumentParser
import Foundation
import RailyardCore
import RailyardStore

/// `railyard train …`: one torch release, moving through its stages.
struct TrainCommandGroup: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Create a release train and move it through its stages.",
        discussion: """
            Stages: planned, candidate, companions, downstream, staged, released, aborted. Exit \
            codes: 0 done; 1 refused by a rule (the message names the failed guard or gate); \
            2 bad input.

            Example:
              railyard train create 2.6.0 --catalog examples/pytorch/distro.yml --as alice
              railyard train status 2.6.0
            """,
        subcommands: [
            TrainCreate.self, TrainList.self, TrainStatus.self, TrainGates.self, TrainMatrix.self, TrainLog.self,
            TrainRC.self,
            TrainAdvance.self, TrainExclude.self, TrainWaive.self, TrainFinal.self, TrainPromote.self, TrainAbort.self,
            TrainSupersede.self,
            TrainSweep.self,
        ]
    )
}
