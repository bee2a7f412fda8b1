using Notebooks.Weights.FeatureVis;
using Notebooks.Weights.Interactions;
using Notebooks.Weights.Models;
using Notebooks.Weights.Training;
using SkiaSharp;
using static TorchSharp.torch;

namespace Notebooks.Weights.Tests.Interactions;

public sealed class ImageFolderTests() : TempDirectoryTest("interactions-images-")
{
    /// <summary>Writes the bundled model's generated scenes 0..n-1 (validation stream) as PNG files
    /// scene_00.png ...</summary>
    internal static Tensor WriteScenes(string dir, int n, int size = 64)
    {
        var (images, labels) = SyntheticScenes.Batch(
            7,
            SyntheticScenes.ValidationStream,
            0,
            n,
            size
        );
        labels.Dispose();
        for (int i = 0; i < n; i++)
            ImageFiles.SavePng(images[i].permute(1, 2, 0), Path.Combine(dir, $"scene_{i:00}.png"));
        return images;
    }

    static void WriteGray(string path)
    {
        using var bmp = new SKBitmap(new SKImageInfo(8, 8, SKColorType.Gray8, SKAlphaType.Opaque));
        using var img = SKImage.FromBitmap(bmp);
        using var data = img.Encode(SKEncodedImageFormat.Png, 100);
        File.WriteAllBytes(path, data.ToArray());
    }

    [Fact]
    public void GeneratedScenesRoundTripAtTheModelSize()
    {
        using var written = WriteScenes(Dir, 5);
        using var folder = ImageFolder.Load(Dir, 64);
        Assert.Equal(
            ["scene_00.png", "scene_01.png", "scene_02.png", "scene_03.png", "scene_04.png"],
            folder.Names
        );
        // PNG stores 8 bits: truncation to uint8 loses < 1/255.
        Assert.True((folder.Images - written).abs().max().item<float>() <= 1 / 255f + 1e-6);
        using var small = ImageFolder.Load(Dir, 32);
        Assert.Equal(new long[] { 5, 3, 32, 32 }, small.Images.shape);
        Assert.True(small.Images.min().item<float>() >= 0 && small.Images.max().item<float>() <= 1);
    }

    [Fact]
    public void NaturalPhotosFromTheDebianPackageLoadCentreCroppedAndResized()
    {
        const string data = "/usr/lib/python3/dist-packages/skimage/data";
        Assert.True(
            File.Exists(Path.Combine(data, "astronaut.png")),
            "scripts/setup installs python3-skimage (sample photos)"
        );
        foreach (var f in new[] { "astronaut.png", "coffee.png", "chelsea.png" })
            File.Copy(Path.Combine(data, f), Path.Combine(Dir, f));
        using var folder = ImageFolder.Load(Dir, 64);
        Assert.Equal(["astronaut.png", "chelsea.png", "coffee.png"], folder.Names);
        // Real photos: every image has contrast and color.
        for (int i = 0; i < 3; i++)
        {
            var img = folder.Images[i];
            Assert.True(img.std().item<float>() > 0.1);
            Assert.True((img[0] - img[2]).abs().mean().item<float>() > 0.02);
        }
    }

    [Fact]
    public void EmptyMissingUnreadableAndGrayFoldersFailListingEveryFile()
    {
        Assert.Contains(
            "(it is empty)",
            Assert.Throws<InvalidDataException>(() => ImageFolder.Load(Dir, 64)).Message
        );
        File.WriteAllText(Path.Combine(Dir, "notes.txt"), "hi");
        Assert.Contains(
            "notes.txt",
            Assert.Throws<InvalidDataException>(() => ImageFolder.Load(Dir, 64)).Message
        );
        Assert.Throws<DirectoryNotFoundException>(() =>
            ImageFolder.Load(Path.Combine(Dir, "nope"), 64)
        );
        using var _ = WriteScenes(Dir, 2);
        File.WriteAllBytes(Path.Combine(Dir, "broken.jpg"), [0xFF, 0xD8, 0xFF, 0x00, 1, 2, 3]);
        File.WriteAllText(Path.Combine(Dir, "text.png"), "not a png");
        WriteGray(Path.Combine(Dir, "gray.png"));
        var e = Assert.Throws<InvalidDataException>(() => ImageFolder.Load(Dir, 64));
        Assert.Contains("3 of 5 image(s)", e.Message);
        Assert.Contains("broken.jpg: ", e.Message);
        Assert.Contains("text.png: not a decodable JPEG/PNG", e.Message);
        Assert.Contains("gray.png: grayscale (1 channel)", e.Message);
        Assert.Contains("nothing was skipped", e.Message);
        Assert.Contains(
            "model takes 1 channel",
            Assert.Throws<ArgumentException>(() => ImageFolder.Load(Dir, 64, channels: 1)).Message
        );
    }
}
