var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddSink(); // what it does to a result: Core/SinkCore.cs; the Kafka and RabbitMQ runners beside it only carry it

var app = builder.Build();
app.MapDefaultEndpoints();
app.Run();
