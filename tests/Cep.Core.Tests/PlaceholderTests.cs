namespace Cep.Tests;
public class PlaceholderCoreTests { [Fact] public void Ok() => Assert.True(true); }
