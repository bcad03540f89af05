"""FastAPI + PyTorch peer service for bench/peer.sh: POST /predict with {"instances": [[784 floats], ...]}, one
forward per request (no batching across requests), answers the digit and probabilities of each instance.

Usage: python3 bench/torch_service.py PORT [threads]
"""
import sys

import torch
import uvicorn
from fastapi import FastAPI
from pydantic import BaseModel

sys.path.insert(0, __file__.rsplit('/', 1)[0])
from torch_cnn import build  # noqa: E402

torch.set_num_threads(int(sys.argv[2]) if len(sys.argv) > 2 else 1)
model = build()
app = FastAPI()


class Instances(BaseModel):
    instances: list[list[float]]


@app.post("/predict")
def predict(body: Instances):
    with torch.inference_mode():
        out = model(torch.tensor(body.instances, dtype=torch.float32).view(-1, 1, 28, 28))
    return {"predictions": [{"digit": int(row.argmax()), "probabilities": row.tolist()} for row in out]}


@app.get("/ready")
def ready():
    return {"ready": True}


if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
