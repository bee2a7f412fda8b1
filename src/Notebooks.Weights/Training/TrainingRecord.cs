namespace Notebooks.Weights.Training;

/// <summary>What a training run did and reached; saved as JSON next to trained weights.</summary>
public sealed record TrainingRecord(
    string Model,
    string Head,
    bool Rotate90,
    long Seed,
    int Steps,
    int BatchSize,
    double LearningRate,
    double WeightDecay,
    int Threads,
    int GeneratorVersion,
    double FinalLoss,
    double TrainAccuracy,
    double ValidationAccuracy,
    string WeightsHash,
    string Command,
    string TorchSharpVersion
);
